"""The Chinese of the course's error messages about arrays, images and models: see ``zh.py``.

Raise sites write English f-strings; :class:`~mnist_course.errors.MnistCourseError` shows
them through these templates (``{name}`` is the function that complains, kept as it is).
"""

from __future__ import annotations

__all__ = ["ERRORS"]

ERRORS: dict[str, str] = {
    # ------------------------------------------------------------------ arrays.py
    "labels": "标签",
    "probabilities": "概率",
    "counts": "计数",
    "{name}: the {what} are a ragged list (rows of different lengths); give a NumPy array "
    "with one shape.": (
        "{name}：{what}是一个参差不齐的列表（各行长度不同）；请给出形状统一的 NumPy 数组。"
    ),
    "{name}: the {what} are a ragged list or mixed objects (dtype object); give a NumPy "
    "array of numbers with one shape.": (
        "{name}：{what}是参差不齐的列表或混杂的对象（dtype object）；"
        "请给出形状统一的数值 NumPy 数组。"
    ),
    "{name}: the {what} have dtype {dtype}; they must be real numbers (for example uint8 or "
    "float32).": "{name}：{what}的 dtype 是 {dtype}；必须是实数（例如 uint8 或 float32）。",
    "{name}: got shape {shape}, colour (RGB/RGBA) images. MNIST models read grey images; "
    "convert a photo with mc.to_mnist_image(image).": (
        "{name}：得到的形状是 {shape}，是彩色（RGB/RGBA）图像。MNIST 模型读取的是灰度图像；"
        "请用 mc.to_mnist_image(image) 转换照片。"
    ),
    "{name}: expected {what}; got shape {shape}.{hint}": (
        "{name}：应为{what}；得到的形状是 {shape}。{hint}"
    ),
    "one image shaped (28, 28), (28, 28, 1) or (784,)": (
        "形状为 (28, 28)、(28, 28, 1) 或 (784,) 的一张图像"
    ),
    "a batch of images shaped (n, 28, 28), (n, 28, 28, 1) or (n, 784)": (
        "形状为 (n, 28, 28)、(n, 28, 28, 1) 或 (n, 784) 的一批图像"
    ),
    " That is a batch of {count}; pick one image, e.g. images[0].": (
        "这是含 {count} 张图像的一个批次；请取出一张，例如 images[0]。"
    ),
    " For a photo or drawing of another size, use mc.to_mnist_image(image).": (
        "其他尺寸的照片或手绘图像，请用 mc.to_mnist_image(image) 转换。"
    ),
    " That is one image; make a batch of one with image[None].": (
        "这是一张图像；用 image[None] 把它变成只含一张图像的批次。"
    ),
    "{name}: got an empty batch (0 images).": "{name}：得到的是一个空批次（0 张图像）。",
    "{name}: the {what} contain NaN or infinite values.": "{name}：{what}中含有 NaN 或无穷大的值。",
    "{name}: values range from {low} to {high} ({dtype}); pixels are raw 0-255 (uint8) or "
    "scaled 0-1 (float).": (
        "{name}：取值范围是 {low} 到 {high}（{dtype}）；像素应为原始的 0-255（uint8）"
        "或归一化后的 0-1（浮点数）。"
    ),
    "{name}: float values range from {low} to {high}; a model reads uint8 pixels 0-255 or "
    "float pixels scaled to [0, 1]. Divide by 255 (mc.scale), or pass the uint8 pixels as "
    "they are.": (
        "{name}：浮点数的取值范围是 {low} 到 {high}；模型读取的是 0-255 的 uint8 像素，"
        "或归一化到 [0, 1] 的浮点像素。请除以 255（mc.scale），或直接传入 uint8 像素。"
    ),
    "{name}: labels have shape {shape}; expected digits 0-9 shaped (n,){also}.": (
        "{name}：标签的形状是 {shape}；应为形状 (n,) 的数字 0-9{also}。"
    ),
    " or one-hot rows (n, 10)": "，或独热编码的行 (n, 10)",
    "{name}: got no labels (an empty array).": "{name}：没有得到任何标签（空数组）。",
    "{name}: labels must be whole numbers 0-9; got {dtype} values with fractions. Are these "
    "probabilities? Take probabilities.argmax(axis=1).": (
        "{name}：标签必须是 0-9 的整数；得到的是带小数的 {dtype} 值。这些是概率吗？"
        "请取 probabilities.argmax(axis=1)。"
    ),
    "{name}: {count} label(s) outside 0-9 (e.g. {value}); labels are the digits 0-9.": (
        "{name}：有 {count} 个标签不在 0-9 之内（例如 {value}）；标签是数字 0-9。"
    ),
    "{name}: got {count} images but {labels} labels; every image needs exactly one label.": (
        "{name}：有 {count} 张图像，却有 {labels} 个标签；每张图像恰好需要一个标签。"
    ),
    "{name}: probabilities have shape {shape}; expected {expected}, one row of ten per image, "
    "as mc.predict returns.": (
        "{name}：概率的形状是 {shape}；应为 {expected}，每张图像一行十个数，和 mc.predict "
        "返回的一样。"
    ),
    "{name}: got {count} images but {rows} rows of probabilities.": (
        "{name}：有 {count} 张图像，却有 {rows} 行概率。"
    ),
    "{name}: values range from {low} to {high}; probabilities run from 0 to 1 (raw scores? "
    "the model's last layer needs activation='softmax').": (
        "{name}：取值范围是 {low} 到 {high}；概率应在 0 到 1 之间（是原始分数吗？"
        "模型的最后一层需要 activation='softmax'）。"
    ),
    "{name}: expected a (10, 10) confusion matrix (mc.confusion_matrix), got shape {shape}.": (
        "{name}：应为 (10, 10) 的混淆矩阵（mc.confusion_matrix），得到的形状是 {shape}。"
    ),
    "{name}: a confusion matrix holds counts: whole numbers from 0 up.": (
        "{name}：混淆矩阵存的是计数：从 0 开始的整数。"
    ),
    "{name}: {what} must be a whole number of at least 1, got {value}.": (
        "{name}：{what} 必须是不小于 1 的整数，得到的是 {value}。"
    ),
    "{name}: a boolean mask needs one entry per image ({size}), got {shape}.": (
        "{name}：布尔掩码需要每张图像一个值（共 {size} 个），得到的是 {shape}。"
    ),
    "{name}: indices must be whole numbers (positions of images) or a boolean mask, got "
    "{indices}.": "{name}：索引必须是整数（图像的位置）或布尔掩码，得到的是 {indices}。",
    "{name}: indices must be below {size}, the number of images.": (
        "{name}：索引必须小于图像的数量 {size}。"
    ),
    "{name}: these images are already scaled (values from {low} to {high}); scaling again "
    "would divide by 255 twice. Pass the raw pixels, as load_mnist gives them (uint8 0-255).": (
        "{name}：这些图像已经归一化过了（取值从 {low} 到 {high}）；再归一化一次就会除以 255 "
        "两次。请传入 load_mnist 给出的原始像素（uint8 0-255）。"
    ),
    "prepare: layout must be 'flat' or 'image', not {layout}.": (
        "prepare：layout 必须是 'flat' 或 'image'，而不是 {layout}。"
    ),
    # what summarize() prints, line by line
    "{count} images of shape {shape}, dtype {dtype}": "{count} 张图像，形状 {shape}，dtype {dtype}",
    "pixels: min {low}, max {high}, mean {mean}, std {std}": (
        "像素：最小值 {low}，最大值 {high}，均值 {mean}，标准差 {std}"
    ),
    "images per digit: {counts}": "每个数字的图像数：{counts}",
    # ------------------------------------------------------------------ images.py
    "expected one image as an array of numbers; got a ragged list (rows of different "
    "lengths).": "应为一张由数值组成的图像；得到的是参差不齐的列表（各行长度不同）。",
    "expected an image of real numbers, got dtype {dtype}.": (
        "应为一张由实数组成的图像，得到的 dtype 是 {dtype}。"
    ),
    "expected one image: (height, width) grey, or (height, width, 3 or 4) colour; got shape "
    "{shape}.": (
        "应为一张图像：灰度图像 (height, width)，或彩色图像 (height, width, 3 或 4)；"
        "得到的形状是 {shape}。"
    ),
    "the image is only {width}x{height} pixels.": "图像只有 {width}x{height} 个像素。",
    "the image contains NaN or infinite values.": "图像中含有 NaN 或无穷大的值。",
    "integer pixel values range from {low} to {high}; expected 0-255 (8-bit) or 0-65535 "
    "(16-bit).": "整数像素值的范围是 {low} 到 {high}；应为 0-255（8 位）或 0-65535（16 位）。",
    "float image values range from {low} to {high}; expected 0-1 (for 0-255 pixel values, "
    "pass a uint8 array).": (
        "浮点图像的取值范围是 {low} 到 {high}；应为 0-1（像素值为 0-255 时，请传入 uint8 数组）。"
    ),
    "no digit found: the image is blank (nothing stands out from its background). Draw or "
    "photograph a dark digit on a light background, or the reverse.": (
        "没有找到数字：图像是空白的（没有什么从背景中突显出来）。请在浅色背景上写或拍一个"
        "深色的数字，或者反过来。"
    ),
    "no digit found: the only mark is a speck ({size} pixels in a {picture} picture). Write "
    "the digit larger, or crop the picture around it.": (
        "没有找到数字：唯一的痕迹只是一个小点（{picture} 的图像里只有 {size} 个像素）。"
        "请把数字写大一些，或者把图像裁剪到数字周围。"
    ),
    "no digit found: the marks fade away when the picture is shrunk to MNIST's 20x20 pixels "
    "({left}): specks or noise spread over the picture, or strokes far too thin for its "
    "size. Crop the picture around the digit, or write it with a thicker pen.": (
        "没有找到数字：把图像缩小到 MNIST 的 20x20 像素后，痕迹几乎消失了（{left}）："
        "可能是散布在图像上的小点或噪声，或者笔画相对图像尺寸太细。请把图像裁剪到数字周围，"
        "或者用粗一点的笔来写。"
    ),
    "{share} of the ink is left": "只剩 {share} 的笔迹",
    "none is left": "一点都不剩",
    # ------------------------------------------------------------------ image_files.py
    "{path}: no such file.": "{path}：没有这个文件。",
    "{path}: not enough memory to decode this {size} image. Shrink it (2000 pixels on the "
    "longer side is plenty).": (
        "{path}：内存不足，无法解码这张 {size} 的图像。请把它缩小（长边 2000 像素就足够了）。"
    ),
    "{path}: the image header is damaged ({error}).": "{path}：图像文件头已损坏（{error}）。",
    "{path}: the {kind} file is damaged or truncated ({error}).": (
        "{path}：这个 {kind} 文件已损坏或不完整（{error}）。"
    ),
    # ------------------------------------------------------------------ models, saving
    "{name}: got the path {path}, not a model. Load it first: model = mc.load_model(path).": (
        "{name}：得到的是路径 {path}，而不是模型。请先加载：model = mc.load_model(path)。"
    ),
    "{name}: expected a Keras model, got {kind}.": "{name}：应为一个 Keras 模型，得到的是 {kind}。",
    "{name}: model {model} reads inputs shaped {inputs}, not MNIST images ((784,), (28, 28) "
    "or (28, 28, 1)). Is it an MNIST model?": (
        "{name}：模型 {model} 读取的输入形状是 {inputs}，不是 MNIST 图像"
        "（(784,)、(28, 28) 或 (28, 28, 1)）。它是 MNIST 模型吗？"
    ),
    "{name}: model {model} gives outputs shaped {outputs}; an MNIST classifier gives 10, one "
    "probability per digit.": (
        "{name}：模型 {model} 输出的形状是 {outputs}；MNIST 分类器输出 10 个数，每个数字一个概率。"
    ),
    "{name}: model {model} has no input shape yet; build it with keras.Input(shape=...) as "
    "its first layer.": (
        "{name}：模型 {model} 还没有输入形状；请用 keras.Input(shape=...) 作为它的第一层。"
    ),
    "{name}: model {model} reads inputs shaped {inputs}, not MNIST images. Is it an MNIST model?": (
        "{name}：模型 {model} 读取的输入形状是 {inputs}，不是 MNIST 图像。它是 MNIST 模型吗？"
    ),
    "unknown model {name}; choose one of {names}.": "没有模型 {name}；请从这些中选择：{names}。",
    "model {model} outputs NaN or infinite values: its weights hold NaN or inf (did training "
    "diverge? try a smaller learning rate and train again).": (
        "模型 {model} 输出了 NaN 或无穷大的值：它的权重里有 NaN 或 inf"
        "（训练发散了吗？请调小学习率，重新训练）。"
    ),
    "model {model} does not output probabilities (its rows do not sum to 1): its last layer "
    "needs activation='softmax'.": (
        "模型 {model} 输出的不是概率（每行加起来不等于 1）：它的最后一层需要 activation='softmax'。"
    ),
    "save_model: {path} must end in .keras, the Keras 3 model format.": (
        "save_model：{path} 必须以 .keras 结尾，这是 Keras 3 的模型格式。"
    ),
    "save_model: {path} is a folder; give a file name inside it.": (
        "save_model：{path} 是一个文件夹；请给出其中的文件名。"
    ),
    "save_model: folder {folder} does not exist; create it first.": (
        "save_model：文件夹 {folder} 不存在；请先创建它。"
    ),
    "load_model: no model file at {path}.": "load_model：{path} 处没有模型文件。",
    "load_model: {path} is a folder, not a .keras file.": (
        "load_model：{path} 是一个文件夹，而不是 .keras 文件。"
    ),
    "load_model: {path} is not a .keras file (a .keras file is a zip archive); it is "
    "truncated or another format (HDF5 .h5? SavedModel?). Save it again with "
    "mc.save_model(model, 'name.keras').": (
        "load_model：{path} 不是 .keras 文件（.keras 文件是一个 zip 压缩包）；它不完整，"
        "或者是别的格式（HDF5 .h5？SavedModel？）。请用 mc.save_model(model, 'name.keras') "
        "重新保存。"
    ),
    # ------------------------------------------------------------------ fitting, recipes
    "train: labels are needed: train(model, x, y, epochs=...).": (
        "train：需要标签：train(model, x, y, epochs=...)。"
    ),
    "train: validation_data must be a pair (x_val, y_val).": (
        "train：validation_data 必须是一对 (x_val, y_val)。"
    ),
    "evaluate_ensemble: give a list of one or more Keras models, got {kind}.": (
        "evaluate_ensemble：请给出由一个或多个 Keras 模型组成的列表，得到的是 {kind}。"
    ),
    "evaluate_ensemble: models {first} and {second} are the same model (same layers, same "
    "weights); an ensemble averages different models, so give each model once.": (
        "evaluate_ensemble：第 {first} 个和第 {second} 个模型是同一个模型（层相同，权重也相同）；"
        "集成是把不同模型的结果平均，请每个模型只给一次。"
    ),
    "LiveCurves: interval must be a number of seconds, 0 or more, got {interval}.": (
        "LiveCurves：interval 必须是秒数，0 或更大，得到的是 {interval}。"
    ),
    "{name}: seed must be a whole number from 0 to 2**32 - 1, got {seed}.": (
        "{name}：seed 必须是 0 到 2**32 - 1 之间的整数，得到的是 {seed}。"
    ),
    "compile_model: expected a Keras model, got {kind}.": (
        "compile_model：应为一个 Keras 模型，得到的是 {kind}。"
    ),
    # ------------------------------------------------------------------ plots, inspection
    "plot_history: give at least one training history.": (
        "plot_history：请至少给出一次训练的 history。"
    ),
    "plot_mistakes: no images to show (is the list of mistakes empty?).": (
        "plot_mistakes：没有可显示的图像（错误列表是空的吗？）。"
    ),
    "model {model} has no layer {layer}; it has {names}.": (
        "模型 {model} 没有层 {layer}；它的层有：{names}。"
    ),
}
