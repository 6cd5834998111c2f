# small-fast: a small MLP, thousands of steps/s on one CPU core, 10 scalars per step.
name = small-fast
input = 32
hidden = 32,32
classes = 8
batch = 16
batches = 8
learning_rate = 0.1
lr_decay_steps = 2000
scalars = basic
histogram_every = 1000
text_every = 1000
