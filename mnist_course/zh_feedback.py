"""The Chinese of the exercises' feedback (``exercises.py``, ``capstone.py``): see ``zh.py``.

The checkers write their verdicts in English; ``Feedback.__str__`` shows each text through
:func:`~mnist_course.translation.translate_message`, which matches it against these
templates. Hints that are only code (``metrics=['accuracy']``) need no entry.
"""

from __future__ import annotations

__all__ = ["FEEDBACK"]

FEEDBACK: dict[str, str] = {
    # ------------------------------------------------------------------ the framing
    "{exercise}: not attempted yet. Replace the None above with your answer and run the cell "
    "again. Take your time!": (
        "{exercise}：还没有作答。把上面的 None 换成你的答案，再运行这个单元格。慢慢来，不着急！"
    ),
    "{exercise}: correct, well done!": "{exercise}：正确，做得好！",
    "{exercise}: not quite yet.": "{exercise}：还差一点。",
    "  Hint: {hint}": "  提示：{hint}",
    "  (Not checked: {what}.)": "  （没有检查的：{what}。）",
    "the learning rate and the images each run used": "每次训练用的学习率和图像",
    "how the array was computed": "数组是怎样算出来的",
    "how the rows were made": "这些行是怎样生成的",
    "how the average was computed": "平均值是怎样算出来的",
    "how well the model will train": "模型训练得好不好",
    "how you counted": "你是怎样数的",
    "the optimizer's settings": "优化器的设置",
    "how you found it": "你是怎样找到的",
    "how you computed it": "你是怎样算出来的",
    "how the model was trained beyond its History and its optimizer's step count; a model "
    "trained on the held-back images themselves would pass": (
        "除了 History 和优化器的步数之外，模型是怎样训练的；用留出的图像本身训练的模型也能通过"
    ),
    # ------------------------------------------------------------------ exercise names
    "Flatten and scale": "展平并归一化",
    "One-hot labels": "独热编码标签",
    "The average {digit}": "数字 {digit} 的平均图像",
    "Build the MLP {units}": "搭建 MLP {units}",
    "Dense({units}) on {inputs} inputs": "{inputs} 个输入上的 Dense({units})",
    "Conv2D({filters}, {kernel}x{kernel}) on {channels} channels": (
        "{channels} 个通道上的 Conv2D({filters}, {kernel}x{kernel})"
    ),
    "Compile the model": "编译模型",
    "Compare optimizers": "比较优化器",
    "Most confused pair": "最常混淆的一对数字",
    "Accuracy when at least {threshold} sure": "把握至少为 {threshold} 时的准确率",
    "Capstone: the tutorial's LeNet": "结业练习：教程里的 LeNet",
    # ------------------------------------------------------------------ any answer
    "The average image": "平均图像",
    "Build the MLP": "搭建 MLP",
    "Dense parameters": "Dense 层的参数",
    "Convolution parameters": "卷积层的参数",
    "Accuracy when sure": "有把握时的准确率",
    "the checker could not read this answer ({error})": "检查程序读不懂这个答案（{error}）",
    "please tell the course's maintainers.": "请告诉课程的维护者。",
    "expected {what}, got a ragged list or mixed objects": (
        "应为{what}，得到的是参差不齐的列表或混杂的对象"
    ),
    "expected {what}, got text": "应为{what}，得到的是文字",
    "expected {what} of real numbers, got dtype {dtype}": (
        "应为由实数组成的{what}，得到的 dtype 是 {dtype}"
    ),
    "{what} holds values that are not finite numbers": "{what}中含有不是有限数的值",
    "an array of pixels": "像素数组",
    "an array of one-hot rows": "独热编码行组成的数组",
    "an image": "一张图像",
    "images": "图像",
    "labels": "标签",
    "the validation accuracies": "验证准确率",
    "{value} is not a whole number: a count has no fraction": "{value} 不是整数：个数没有小数部分",
    "expected a whole number, got a value that is not finite": "应为一个整数，得到的值不是有限数",
    "expected a number between 0 and 1, got a value that is not finite": (
        "应为 0 到 1 之间的数，得到的值不是有限数"
    ),
    "the text {text}": "文字 {text}",
    # ------------------------------------------------------------------ training records
    "expected the History that model.fit returns (history = model.fit(...)), got {kind}": (
        "应为 model.fit 返回的 History（history = model.fit(...)），得到的是{kind}"
    ),
    "the History records no validation accuracy: train with validation_data=(x_val, y_val) "
    "and metrics=['accuracy']": (
        "这个 History 没有记录验证准确率：训练时请传入 validation_data=(x_val, y_val) 和 "
        "metrics=['accuracy']"
    ),
    "the History's validation accuracies are not fractions, one per epoch": (
        "这个 History 的验证准确率不是每轮一个、介于 0 和 1 之间的小数"
    ),
    "the History belongs to no model: it was not returned by model.fit": (
        "这个 History 不属于任何模型：它不是 model.fit 返回的"
    ),
    "that History belongs to another model": "这个 History 属于另一个模型",
    "the model's optimizer took {taken} steps, fewer than the {epochs} epochs of {steps} "
    "steps this History records: it was not trained by this fit": (
        "模型的优化器只走了 {taken} 步，少于这个 History 记录的 {epochs} 轮、每轮 {steps} 步："
        "模型不是这次 fit 训练出来的"
    ),
    "the baseline: {problem}": "基准模型：{problem}",
    "both histories come from the same model: train a new one": (
        "两个 History 来自同一个模型：请训练一个新模型"
    ),
    # ------------------------------------------------------------------ 01 dataset
    "shape {shape}: one row of 784 pixels per image": "形状 {shape}：每张图像一行，共 784 个像素",
    "shape is {shape}, expected {expected}": "形状是 {shape}，应为 {expected}",
    "images.reshape(len(images), 28 * 28) lays each image's rows end to end.": (
        "images.reshape(len(images), 28 * 28) 会把每张图像的各行首尾相接。"
    ),
    "dtype float32, the type Keras computes with": "dtype 为 float32，即 Keras 计算时用的类型",
    "dtype is {dtype}; the task asks for float32": "dtype 是 {dtype}；题目要求 float32",
    "dividing a uint8 array by 255 gives float64, twice the memory; convert with "
    ".astype('float32') first, then divide.": (
        "uint8 数组除以 255 得到的是 float64，占两倍内存；先用 .astype('float32') 转换，再做除法。"
    ),
    "dtype is {dtype}; integers cannot hold values between 0 and 1": (
        "dtype 是 {dtype}；整数无法表示 0 和 1 之间的值"
    ),
    "convert with .astype('float32') before dividing.": "先用 .astype('float32') 转换，再做除法。",
    "values are in [0, 1]": "取值都在 [0, 1] 之内",
    "the largest value is {high}; scaled pixels go up to 1": (
        "最大值是 {high}；归一化后的像素最大为 1"
    ),
    "divide by 255, the largest raw pixel value.": "除以 255，也就是原始像素的最大值。",
    "the values are in the right range but not the right places": "取值范围对了，但位置不对",
    "reshape keeps the pixel order; transposing or sorting would not.": (
        "reshape 会保持像素的顺序；转置或排序则不会。"
    ),
    "shape is {shape}, expected {expected}: one row of 10 per label": (
        "形状是 {shape}，应为 {expected}：每个标签一行，每行 10 个数"
    ),
    "np.eye(10) has one one-hot row per digit; index it with the labels.": (
        "np.eye(10) 的每一行是一个数字的独热编码；用标签去索引它。"
    ),
    "shape {shape}": "形状 {shape}",
    "every row holds exactly one 1": "每一行恰好有一个 1",
    "some rows do not sum to 1: each row needs exactly one 1": (
        "有些行加起来不等于 1：每一行要恰好有一个 1"
    ),
    "the 1s are not at the label's position (is it shifted by one?)": (
        "1 不在标签对应的位置上（是不是错开了一位？）"
    ),
    "label d goes to column d, counting from 0.": "标签 d 对应第 d 列，从 0 开始数。",
    "expected an image, got {kind}": "应为一张图像，得到的是 {kind}",
    "images[labels == {digit}] keeps the {digit}s": "images[labels == {digit}] 只保留数字 {digit}",
    "images[labels == {digit}] keeps the {digit}s.": (
        "images[labels == {digit}] 只保留数字 {digit}。"
    ),
    "{select}; .mean(axis=0) then averages over images, pixel by pixel.": (
        "{select}；然后 .mean(axis=0) 逐个像素地对这些图像求平均。"
    ),
    "that is one number for all pixels: {hint}": "这是所有像素共用的一个数：{hint}",
    "shape (28, 28): one average per pixel": "形状 (28, 28)：每个像素一个平均值",
    "the average of {count} images": "{count} 张图像的平均",
    "that is the average of every digit": "这是所有数字的平均",
    "the values are not the average of the {digit}s": "这些值不是数字 {digit} 的平均",
    # ------------------------------------------------------------------ 02 build
    "expected a Keras model, got {kind}": "应为一个 Keras 模型，得到的是 {kind}",
    "the model has no input shape yet": "模型还没有输入形状",
    "start the list of layers with keras.Input(shape=(784,)).": (
        "层的列表要以 keras.Input(shape=(784,)) 开头。"
    ),
    "input of 784 pixels": "输入为 784 个像素",
    "input shape is {shape}, expected (784,)": "输入形状是 {shape}，应为 (784,)",
    "keras.Input(shape=(784,)) for flattened images.": "展平的图像用 keras.Input(shape=(784,))。",
    "Dense layers of {units} units": "全连接层的神经元数为 {units}",
    "Dense layers have {units} units, expected {wanted}": (
        "全连接层的神经元数是 {units}，应为 {wanted}"
    ),
    "one Dense layer per number, in order; the last has 10 units, one per digit.": (
        "每个数对应一个 Dense 层，按顺序排列；最后一层有 10 个神经元，每个数字一个。"
    ),
    "relu in the hidden layers, softmax at the output": "隐藏层用 relu，输出层用 softmax",
    "activations are {found}, expected {wanted}": "激活函数是 {found}，应为 {wanted}",
    "softmax turns the 10 outputs into probabilities that sum to 1.": (
        "softmax 把 10 个输出变成加起来等于 1 的概率。"
    ),
    "{count} parameters": "{count} 个参数",
    "expected a whole number, got {answer}": "应为一个整数，得到的是 {answer}",
    "{value} is not it": "{value} 不对",
    "each unit has one weight per input, plus one bias.": (
        "每个神经元对每个输入有一个权重，另外还有一个偏置。"
    ),
    "you counted the weights; each of the units also has a bias.": (
        "你只数了权重；每个神经元还有一个偏置。"
    ),
    "each filter has kernel x kernel weights for every input channel, plus one bias; multiply "
    "by the number of filters.": (
        "每个卷积核对每个输入通道有 kernel x kernel 个权重，另外还有一个偏置；再乘以卷积核的个数。"
    ),
    "a filter spans all {channels} input channels, not just one.": (
        "一个卷积核覆盖全部 {channels} 个输入通道，而不只是一个。"
    ),
    # ------------------------------------------------------------------ 03 train
    "the model is not compiled yet": "模型还没有编译",
    "categorical cross-entropy, for one-hot labels": (
        "分类交叉熵（categorical cross-entropy），适用于独热编码的标签"
    ),
    "the loss is {loss}": "损失函数是 {loss}",
    "with one-hot labels use loss='categorical_crossentropy'.": (
        "标签是独热编码时，用 loss='categorical_crossentropy'。"
    ),
    "reports accuracy": "会报告准确率",
    "accuracy is not among the metrics": "指标（metrics）里没有准确率",
    "expected the History that model.fit returns, with validation": (
        "应为 model.fit 返回的 History（训练时要有验证集）"
    ),
    "trained with {optimizer}": "用 {optimizer} 训练",
    "the model was trained with {used}, not {optimizer}": (
        "模型是用 {used} 训练的，而不是 {optimizer}"
    ),
    "an unknown optimizer": "未知的优化器",
    "compile a new model with optimizer=keras.optimizers.{optimizer}(learning_rate=0.001).": (
        "用 optimizer=keras.optimizers.{optimizer}(learning_rate=0.001) 编译一个新模型。"
    ),
    "the baseline was trained with {used} too: that compares nothing": (
        "基准模型也是用 {used} 训练的：这样比较不出什么"
    ),
    "{count} epochs; train at least {least} to see a trend": (
        "只训练了 {count} 轮；至少训练 {least} 轮才能看出趋势"
    ),
    "epochs={least} in model.fit.": "在 model.fit 里设 epochs={least}。",
    "validation accuracy at most {accuracy}: did training run?": (
        "验证准确率最高只有 {accuracy}：训练真的运行了吗？"
    ),
    "over the {both} epochs both ran, {optimizer} was ahead after {ahead} of them (epoch 1: "
    "{first} against {first_base}; epoch {both}: {last} against {last_base} for {base})": (
        "在两者都训练过的 {both} 轮里，{optimizer} 有 {ahead} 轮领先（第 1 轮：{first}，"
        "{base} 为 {first_base}；第 {both} 轮：{last}，{base} 为 {last_base}）"
    ),
    "the baseline": "基准模型",
    # ------------------------------------------------------------------ 04 evaluate
    "the model makes no mistakes at all here": "模型在这里一个错误都没有",
    "expected a pair (true, predicted), got {answer}": (
        "应为一对数字 (真实数字, 预测数字)，得到的是 {answer}"
    ),
    "zero the diagonal of the confusion matrix, then find its largest cell.": (
        "把混淆矩阵的对角线置零，再找出最大的那一格。"
    ),
    "true {true} read as {predicted}: {count} times, the most": (
        "真实的 {true} 被认成 {predicted}：{count} 次，最多"
    ),
    "true {true} read as {predicted} happened {count} times; another pair happened {best} "
    "times": "真实的 {true} 被认成 {predicted} 出现了 {count} 次；另一对数字出现了 {best} 次",
    "rows are true digits, columns predicted; ignore the diagonal (correct answers).": (
        "行是真实数字，列是预测数字；忽略对角线（那些是答对的）。"
    ),
    "close: you have the pair the wrong way round (true digit first).": (
        "很接近了：你把这一对数字的顺序弄反了（真实数字在前）。"
    ),
    "expected a number, got {answer}": "应为一个数，得到的是 {answer}",
    "sure = probabilities.max(axis=1) >= {threshold}; score only those images.": (
        "sure = probabilities.max(axis=1) >= {threshold}；只统计这些图像的准确率。"
    ),
    "{accuracy} right on the {count} images ({share}) it is that sure of, against {overall} "
    "on all of them": (
        "在模型有这么大把握的 {count} 张图像（占 {share}）上，准确率为 {accuracy}；"
        "在全部图像上为 {overall}"
    ),
    "that is a percentage": "这是一个百分数",
    "give a fraction between 0 and 1.": "请给出 0 到 1 之间的小数。",
    "that is the accuracy on every image": "这是在全部图像上的准确率",
    "that is the share of images it is sure of": "这是模型有把握的图像所占的比例",
    "now score those images.": "接下来只统计这些图像的准确率。",
    # ------------------------------------------------------------------ the capstone
    "layers {foreign} do not come from Keras: write every layer with keras.layers (mc.lenet() "
    "is the course's version, not yours)": (
        "层 {foreign} 不是 Keras 的层：每一层都要用 keras.layers 来写"
        "（mc.lenet() 是课程的版本，不是你的）"
    ),
    "Conv 6, pool, Conv 16, pool, Conv 120, Flatten, Dense 84, Dense 10": (
        "Conv 6、池化、Conv 16、池化、Conv 120、Flatten、Dense 84、Dense 10"
    ),
    "the layers are [{shown}]": "各层是 [{shown}]",
    "the tutorial's LeNet averages (AveragePooling2D), it does not max-pool": (
        "教程里的 LeNet 用的是平均池化（AveragePooling2D），不是最大池化"
    ),
    "kernel sizes {sizes}; the tutorial's are 3x3": "卷积核大小为 {sizes}；教程里是 3x3",
    "relu everywhere, softmax at the output": "各层都用 relu，输出层用 softmax",
    "activations {found}; expected relu, then softmax at the output": (
        "激活函数为 {found}；应为 relu，输出层为 softmax"
    ),
    "input shape {shape}; expected (28, 28, 1)": "输入形状为 {shape}；应为 (28, 28, 1)",
    "{count} parameters, as in notebook 02": "{count} 个参数，和笔记本 02 里一样",
    "notebook 02 lists LeNet's layers; build them with keras.Sequential([...]).": (
        "笔记本 02 列出了 LeNet 的各层；用 keras.Sequential([...]) 把它们搭起来。"
    ),
    "the model is not compiled": "模型还没有编译",
    "expected the History that model.fit returns, trained with validation_data": (
        "应为 model.fit 返回的 History，训练时要传入 validation_data"
    ),
    "that history belongs to another model": "这个 history 属于另一个模型",
    "trained with model.fit for {epochs} epochs": "用 model.fit 训练了 {epochs} 轮",
    "on these validation images the model scores {accuracy}, a figure its history never "
    "recorded: validate on these images in model.fit, scaled to [0, 1] as for training": (
        "模型在这些验证图像上的准确率是 {accuracy}，它的 history 从没记录过这个数：请在 "
        "model.fit 里用这些图像做验证，并像训练时一样归一化到 [0, 1]"
    ),
    "{accuracy} on the validation set: at least {goal}": "验证集上 {accuracy}：达到了 {goal}",
    "{accuracy} on the validation set; the goal is {goal}": "验证集上 {accuracy}；目标是 {goal}",
    "scaled pixels, then a learning rate that falls over training (notebook 03: start at "
    "0.002, cosine decay) usually gets there in 10 epochs.": (
        "先把像素归一化，再用随训练逐渐下降的学习率（笔记本 03：从 0.002 开始，余弦衰减），"
        "通常 10 轮就能达到。"
    ),
    "values go from {low} to {high}; scaled pixels go from 0 to 1": (
        "取值从 {low} 到 {high}；归一化后的像素应在 0 到 1 之间"
    ),
    "some values are neither 0 nor 1: one-hot rows hold only 0s and one 1": (
        "有些值既不是 0 也不是 1：独热编码的每一行只有若干个 0 和一个 1"
    ),
    "np.eye(10)[labels] gives exact 0s and 1s; no smoothing, no rounding.": (
        "np.eye(10)[labels] 给出的正好是 0 和 1；不要平滑，也不要四舍五入。"
    ),
    "some rows do not hold exactly one 1": "有些行不是正好有一个 1",
    "layers the exercise does not ask for: {layers}": "练习没有要求的层：{layers}",
    "only Dense layers: keras.Input, then one Dense layer per number.": (
        "只用 Dense 层：先写 keras.Input，然后每个数对应一个 Dense 层。"
    ),
    "{count} parameters, expected {expected}": "{count} 个参数，应为 {expected}",
    "use_bias=False or shared layers change the count; write plain Dense layers.": (
        "use_bias=False 或共享的层会改变参数个数；请写普通的 Dense 层。"
    ),
    "from_logits=True, but the model's softmax already gives probabilities": (
        "设置了 from_logits=True，但模型的 softmax 已经给出了概率"
    ),
    "keras.losses.CategoricalCrossentropy() (from_logits=False), after a softmax.": (
        "在 softmax 之后用 keras.losses.CategoricalCrossentropy()（from_logits=False）。"
    ),
    "accuracy is not among the metrics ({metrics})": "指标（metrics）里没有准确率（{metrics}）",
    "not set": "未设置",
    "none": "无",
    "each digit of the pair: {problem}": "这一对里的数字：{problem}",
    "{pair} is not a pair of digits 0-9": "{pair} 不是一对 0 到 9 的数字",
    "no image reaches {threshold}: there is nothing to score at this threshold": (
        "没有一张图像的把握达到 {threshold}：在这个阈值下没有可以统计的图像"
    ),
    "lower the threshold, e.g. threshold=0.9.": "降低阈值，例如 threshold=0.9。",
    "(and {steps} optimizer steps before this fit)": "（在这次 fit 之前，优化器还走了 {steps} 步）",
    "{accuracy} on the validation images but {unseen} on {count} images it has never seen: it "
    "was trained on its validation images, which then measure nothing": (
        "在验证图像上是 {accuracy}，在 {count} 张从没见过的图像上却只有 {unseen}：模型用验证图像"
        "训练过，验证图像就什么也衡量不了了"
    ),
    "train on x_fit only; validation_data is for measuring, never for fit.": (
        "只用 x_fit 训练；validation_data 只用来衡量，绝不能拿来训练。"
    ),
    "{unseen} on {count} images held back: it generalises": (
        "在 {count} 张留出的图像上是 {unseen}：模型能推广到新图像"
    ),
    "the model has no input shape to check: a subclassed model, or not built": (
        "无法检查模型的输入形状：这是子类化的模型，或者还没有构建"
    ),
    "build it with keras.Sequential([keras.Input(shape=(28, 28, 1)), ...]).": (
        "用 keras.Sequential([keras.Input(shape=(28, 28, 1)), ...]) 来搭建。"
    ),
    "{count} validation images; the exercise validates on all {size} (x_val, y_val)": (
        "只有 {count} 张验证图像；练习要求在全部 {size} 张验证图像（x_val, y_val）上验证"
    ),
    "{count} parameters, not the tutorial's {expected}: check padding, pool sizes, strides "
    "and biases": (
        "{count} 个参数，不是教程里的 {expected} 个：请检查 padding、池化大小、步幅和偏置"
    ),
    "the loss is changed from plain cross-entropy (label_smoothing or axis)": (
        "损失函数改动了普通的交叉熵（label_smoothing 或 axis）"
    ),
    "loss='categorical_crossentropy', with no other settings.": (
        "loss='categorical_crossentropy'，不加其他设置。"
    ),
    "the History does not record the steps of each epoch, as model.fit does: it was not "
    "returned by model.fit": (
        "这个 History 没有像 model.fit 那样记录每轮的步数：它不是 model.fit 返回的"
    ),
    "the History's model has no optimizer: it was never compiled and fit": (
        "这个 History 的模型没有优化器：它从没有编译和训练过"
    ),
    "a modified ReLU": "改动过的 ReLU",
    "{type} applied more than once": "{type} 被用了不止一次",
    "threshold must be a number between 0 and 1, got {kind}.": (
        "threshold 必须是 0 到 1 之间的数，得到的是{kind}。"
    ),
    "threshold must be a number above 0 and at most 1.": "threshold 必须大于 0 且不超过 1。",
    "check_capstone: held_back must be a pair (images, labels).": (
        "check_capstone：held_back 必须是一对 (images, labels)。"
    ),
    "an object of type {type}": "类型为 {type} 的对象",
    "a {type} of {count} items": "含 {count} 项的 {type}",
    "a {type} of 1 item": "只含 1 项的 {type}",
}
