# vision: 16x16 inputs, a 128 x 256 image of the first layer's weights every 50 steps.
name = vision
input = 256
hidden = 128,64
classes = 10
batch = 32
batches = 8
learning_rate = 0.05
lr_decay_steps = 2000
scalars = basic
histogram_every = 100
image_every = 50
text_every = 500
