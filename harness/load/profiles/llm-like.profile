# llm-like: a deep narrow MLP logging 108 scalar tags per step (4 + 8 per layer, 13 layers), 26
# histograms every 100 steps.
name = llm-like
input = 64
hidden = 48,48,48,48,48,48,48,48,48,48,48,48
classes = 16
batch = 32
batches = 8
learning_rate = 0.05
lr_decay_steps = 5000
scalars = full
histogram_every = 100
text_every = 500
