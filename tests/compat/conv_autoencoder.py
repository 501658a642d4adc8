# "Autoencoder: A Deep Dive", the convolutional part: AutoencoderCNN (Conv2d, LeakyReLU, Flatten,
# Linear code layer, Linear, nn.Unflatten, ConvTranspose2d, Sigmoid), trained with Adam and
# nn.MSELoss, tested under model.eval() and torch.inference_mode(), the encoder's code reshaped
# to 12x12, a noisy input clipped to [0, 1]; then the CIFAR autoencoder's shape (padded and
# strided Conv2d / ConvTranspose2d) at an eighth of its widths, and a resize-convolution
# decoder (nn.Upsample / F.interpolate, then Conv2d). Source: pytorch/tutorials,
# beginner_source/autoencoders_tutorial.py. FashionMNIST and CIFAR10 are replaced by images made
# from fixed arithmetic, np.random noise by a fixed pattern, and every parameter is set from
# fixed arithmetic.
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def lcg(count, seed):
    values = []
    for _ in range(count):
        seed = (seed * 1103515245 + 12345) % 2 ** 31
        values.append(seed / 2 ** 31)
    return values


def make_images(n, channels, size, seed):
    k = torch.arange(n).view(n, 1, 1, 1).float()
    rows = torch.arange(size).view(1, 1, size, 1).float()
    cols = torch.arange(size).view(1, 1, 1, size).float()
    channel = torch.arange(channels).view(1, channels, 1, 1).float()
    blob = (-((rows - 8 - (k % 11)) ** 2 + (cols - 9 - (k % 7)) ** 2) / (20 + channel * 5)).exp()
    noise = torch.tensor(lcg(n * channels * size * size, seed)).view(n, channels, size, size)
    images = 0.8 * blob + 0.2 * noise
    return images, (k.view(n) % 10).long()


def set_weights(model, salt):
    with torch.no_grad():
        for number, p in enumerate(model.parameters()):
            fan_in = p[0].numel() if p.dim() > 1 else p.numel()
            values = (torch.arange(p.numel()) * (0.7391 + 0.013 * number) + salt).sin()
            p.copy_(values.view(p.shape) * (1.0 / math.sqrt(fan_in)))


def make_dataloader(data_, batch_size: int):
    """Helper function to convert datasets to batches."""
    batch_size = 32

    # Make the Data loader Object
    train_loader = torch.utils.data.DataLoader(
        data_, batch_size=batch_size, shuffle=False
    )

    return train_loader


def make_model(model_object, lr_rate=0.001, compress_=None, salt=0.0):
    if not compress_:
        model_ = model_object()
    else:
        model_ = model_object(compress_)
    set_weights(model_, salt)
    optimizer_ = torch.optim.Adam(model_.parameters(), lr=lr_rate)
    loss_ = nn.MSELoss()

    return model_, optimizer_, loss_


def test_model(loader_obj, model_):
    batch_iter = iter(loader_obj)
    batch_images = next(batch_iter)
    tmp_image = batch_images[0][0, 0, :, :]
    model_input = tmp_image.reshape(1, 1, 28, 28)

    model_.eval()
    with torch.inference_mode():
        output = model_(model_input)
    return output.detach().numpy().reshape(28, 28)


def train_model(model_obj, optimizer_obj, loss_obj, loader_obj, batch_s, epoch_num=1):
    """Train the input model with optimizer and loss function."""
    train_loss = []

    for epoch in range(epoch_num):
        for i, data_ in enumerate(loader_obj, 0):
            batches, targets = data_

            # zero the parameter gradients
            optimizer_obj.zero_grad()

            # Find the output of the Neural Net
            # Forward Pass
            logits = model_obj(batches)

            # Calculate the loss
            loss = loss_obj(logits, batches)

            # Update the neural net and gradients
            # Backward Propagation
            loss.backward()
            optimizer_obj.step()

            # Append the loss of training
            train_loss.append(loss.item())

    return model_obj, train_loss


def add_noise(img_, noise_int: float) -> torch.Tensor:
    noise = torch.tensor(lcg(img_.numel(), 77)).reshape(img_.shape) * 2 - 1
    noisy = torch.clip(img_ + noise * noise_int, 0, 1)
    return noisy.reshape(1, 1, 28, 28)


batch_size = 32
train_loader = make_dataloader(TensorDataset(*make_images(128, 1, 28, 5)), batch_size)

for i, data_ in enumerate(train_loader):
    print(i, data_[0].shape)


# Build the Autoencoder with CNN using the sequential method from pytorch
class AutoencoderCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Conv2d(in_channels=1, out_channels=16, kernel_size=(5,5), stride=(1,1)),
            nn.LeakyReLU(),
            nn.Conv2d(in_channels=16, out_channels=64, kernel_size=(5,5), stride=(1,1)),
            nn.LeakyReLU(),
            nn.Conv2d(in_channels=64, out_channels=128, kernel_size=(2,2), stride=(2,2)),
            nn.LeakyReLU(),
            nn.Flatten(),
            nn.Linear(in_features=128*10*10, out_features=144)
        )
        self.decoder = nn.Sequential(
            nn.Linear(in_features=144, out_features=128*10*10),
            nn.Unflatten(1, (128, 10, 10)),
            nn.ConvTranspose2d(in_channels=128, out_channels=64, kernel_size=(2,2), stride=(2,2)),
            nn.LeakyReLU(),
            nn.ConvTranspose2d(in_channels=64, out_channels=16, kernel_size=(5,5), stride=(1,1)),
            nn.LeakyReLU(),
            nn.ConvTranspose2d(in_channels=16, out_channels=1, kernel_size=(5,5), stride=(1,1)),
            nn.Sigmoid()
        )

    def forward(self, x):
        encoded = self.encoder(x)
        decoded = self.decoder(encoded)
        return decoded


model_cnn, optimizer, loss_fn = make_model(AutoencoderCNN, salt=0.4)
# Two steps only: Adam moves each of the 1.8M code-layer weights by about lr whatever the size
# of its gradient, so float32 rounding in the tiny ones shows up after a few more steps.
first_batches = make_dataloader(TensorDataset(*make_images(64, 1, 28, 5)), batch_size)
model_cnn, cnn_losses = train_model(model_cnn, optimizer, loss_fn, first_batches, batch_size,
                                    epoch_num=1)
print(cnn_losses)
regenerated = test_model(train_loader, model_cnn)

batch_iter = iter(train_loader)
batch_images = next(batch_iter)
tmp_image = batch_images[0][0, 0, :, :]
enc_output = model_cnn.encoder(tmp_image.reshape(1, 1, 28, 28))
code_picture = enc_output.detach().numpy().reshape(12, 12)

noisy_img = add_noise(tmp_image, 0.3)
with torch.inference_mode():
    denoised = model_cnn(noisy_img)
denoise_error = F.mse_loss(denoised.view(28, 28), tmp_image).item()


# The CIFAR autoencoder's layer shapes, at an eighth of its widths.
class AutoencoderCNNCIF(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Conv2d(in_channels=3, out_channels=4, kernel_size=(4,4), stride=(1,1), padding=2),
            nn.LeakyReLU(),
            nn.Conv2d(in_channels=4, out_channels=8, kernel_size=(5,5), stride=(2,2), padding=2),
            nn.LeakyReLU(),
            nn.Conv2d(in_channels=8, out_channels=16, kernel_size=(5,5), stride=(1,1)),
            nn.LeakyReLU(),
            nn.Conv2d(in_channels=16, out_channels=64, kernel_size=(3,3), stride=(2,2)),
            nn.LeakyReLU(),
            nn.Flatten(),
            nn.Linear(in_features=64*6*6, out_features=100)
        )
        self.decoder = nn.Sequential(
            nn.Linear(in_features=100, out_features=64*6*6),
            nn.Unflatten(1, (64, 6, 6)),
            nn.ConvTranspose2d(in_channels=64, out_channels=16, kernel_size=(3,3), stride=(2,2)),
            nn.LeakyReLU(),
            nn.ConvTranspose2d(in_channels=16, out_channels=8, kernel_size=(5,5), stride=(1,1)),
            nn.LeakyReLU(),
            nn.ConvTranspose2d(in_channels=8, out_channels=4, kernel_size=(5,5), stride=(2,2),
                               padding=2),
            nn.LeakyReLU(),
            nn.ConvTranspose2d(in_channels=4, out_channels=3, kernel_size=(4,4), stride=(1,1),
                               padding=2),
            nn.Sigmoid()
        )

    def forward(self, x):
        encoded = self.encoder(x)
        decoded = self.decoder(encoded)
        return decoded


cifar_loader = make_dataloader(TensorDataset(*make_images(64, 3, 32, 6)), 32)
model_cifar, optimizer_cifar, loss_cifar = make_model(AutoencoderCNNCIF, .001, salt=1.3)
model_cifar, cifar_losses = train_model(model_cifar, optimizer_cifar, loss_cifar, cifar_loader,
                                        32, 3)
images, labels = next(iter(cifar_loader))
model_cifar.eval()
with torch.inference_mode():
    out_batch = model_cifar(images)
print(out_batch.shape)


# A resize-convolution decoder: upsample, then convolve (in place of ConvTranspose2d).
class AutoencoderUpsample(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Conv2d(1, 8, kernel_size=3, stride=2, padding=1), nn.LeakyReLU(),
            nn.Conv2d(8, 16, kernel_size=3, stride=2, padding=1), nn.LeakyReLU(),
        )
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.conv1 = nn.Conv2d(16, 8, kernel_size=3, padding=1)
        self.conv2 = nn.Conv2d(8, 1, kernel_size=3, padding=1)

    def forward(self, x):
        x = self.encoder(x)
        x = F.leaky_relu(self.conv1(self.up(x)))
        x = F.interpolate(x, size=(28, 28), mode="bilinear", align_corners=False)
        return torch.sigmoid(self.conv2(x))


model_up, optimizer_up, loss_up = make_model(AutoencoderUpsample, 0.003, salt=2.1)
model_up, up_losses = train_model(model_up, optimizer_up, loss_up, train_loader, batch_size, 2)
upsampled = test_model(train_loader, model_up)

original = tmp_image.numpy()
print("RESULT", cnn_losses[0], cnn_losses[-1], float(((regenerated - original) ** 2).mean()),
      code_picture.size, denoise_error, cifar_losses[0], cifar_losses[-1],
      out_batch.sum().item(), up_losses[0], up_losses[-1], float(upsampled.sum()))
