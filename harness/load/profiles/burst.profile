# burst: a logging storm every 100 steps — 500 extra scalar tags (one per unit's weight norm) in one step.
name = burst
input = 64
hidden = 256,256
classes = 10
batch = 32
batches = 8
learning_rate = 0.05
lr_decay_steps = 2000
scalars = basic
histogram_every = 100
burst_every = 100
burst_tags = 500
text_every = 500
