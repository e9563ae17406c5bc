"""Training of the shipped tiny models on the synthetic world.

`clip_data` (captions with their truth per image), `supervision` (dense and presence losses,
masking augmentation), `train_batches` (one step's data, built without the model),
`train_clip` and `evaluate_clip` (TinyDriveCLIP), `train_vlm` (the tiny LLaVA on its tower).
Nothing here runs at inference: the operators load the weights these modules wrote.
"""
