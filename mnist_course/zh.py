"""The course in Simplified Chinese (简体中文): English text -> its translation.

How to add an entry (see :mod:`mnist_course.translation`):

* the key is the English exactly as the code writes it, with ``{name}`` wherever the code
  puts a value (for an f-string error message, any name: the message is matched, not
  formatted); ``{{`` and ``}}`` for literal braces;
* the translation uses the same names (it may leave some out, never add one) and keeps
  format specs such as ``{p:.1%}`` where :func:`~mnist_course.translation.tr` formats;
* terms as in ``docs/glossary.md``; full-width punctuation (，。：；（）) in Chinese text,
  ASCII around code, paths and numbers.

``tests/test_language.py`` checks that every ``tr("...")`` in the package has an entry here
and that each entry's placeholders agree with its key.

The catalogue is this module's entries plus those of ``zh_feedback.py`` (the exercises'
feedback), ``zh_figures.py`` (plots, the playground, epoch lines, ``evaluate``'s printout)
and ``zh_errors.py`` (errors about arrays, images and models), kept apart so that no module
grows past what one can read.
"""

from __future__ import annotations

from .zh_errors import ERRORS
from .zh_feedback import FEEDBACK
from .zh_figures import FIGURES

__all__ = ["CATALOGUE"]

_FIX = (
    "To fix it, connect to the internet and try again, or use a copy of mnist.npz you already "
    "have: load_mnist(path='.../mnist.npz') or set the {var} environment variable to its "
    "path; or list addresses of copies in {mirrors_var} (load_mnist(mirrors=[...]))."
)
_FIX_ZH = (
    "解决办法：连上网络后重试；或者使用你已有的 mnist.npz：load_mnist(path='.../mnist.npz')，"
    "或把环境变量 {var} 设为它的路径；也可以在 {mirrors_var} 中列出副本的下载地址"
    "（load_mnist(mirrors=[...])）。"
)
# what a download that passed its deadline adds (mnist_course.download)
_SLOW = (
    " On a slow connection, allow more time: mnist_course.data.download_mnist(deadline=1800), "
    "then load_mnist()."
)
_SLOW_ZH = (
    "网速慢时请多留些时间：先运行 mnist_course.data.download_mnist(deadline=1800)，"
    "再运行 load_mnist()。"
)
_FONTS = (
    "Debian/Ubuntu: sudo apt-get install fonts-noto-cjk (or the smaller fonts-wqy-microhei); "
    "conda: conda install -c conda-forge font-ttf-noto-cjk; Binder: fonts-noto-cjk is in "
    "binder/apt.txt; macOS and Windows have one already"
)

_OWN: dict[str, str] = {
    # ------------------------------------------------------------------ language, fonts
    "set_language: {language} is not a language of the course: {known}.": (
        "set_language：{language} 不是本课程支持的语言，可选：{known}。"
    ),
    "No font with Chinese characters is installed, so plots keep their English labels (the "
    "rest of the course speaks Chinese). To fix it: {packages}; then restart the kernel.": (
        "没有安装含中文字符的字体，所以图表保留英文标签（课程的其他部分照常使用中文）。"
        "解决办法：{packages}；然后重启内核。"
    ),
    _FONTS: (
        "Debian/Ubuntu：sudo apt-get install fonts-noto-cjk（或更小的 fonts-wqy-microhei）；"
        "conda：conda install -c conda-forge font-ttf-noto-cjk；Binder：binder/apt.txt 里已有 "
        "fonts-noto-cjk；macOS 和 Windows 自带中文字体"
    ),
    # ------------------------------------------------------------------ widgets
    "all digits": "全部数字",
    "Show": "显示",
    "Image": "图像",
    "No image of digit {digit} in this set.": "这组数据里没有数字 {digit} 的图像。",
    "<b>label {label}</b> &nbsp; image {n} of {count} (index {index} in the set)": (
        "<b>标签 {label}</b> &nbsp; 第 {n} 张，共 {count} 张（在数据集中的索引为 {index}）"
    ),
    "x[{index}]  label {label}": "x[{index}]  标签 {label}",
    "any": "任意",
    "only mistakes": "只看错误",
    "true": "真实",
    "predicted": "预测",
    "image": "图像",
    "No image matches these filters.": "没有符合这些筛选条件的图像。",
    "right": "正确",
    "<b style='color:crimson'>wrong</b>": "<b style='color:crimson'>错误</b>",
    "image {n} of {count} (test index {index}): true <b>{true}</b>, predicted "
    "<b>{predicted}</b> ({probability:.1%}), {verdict}": (
        "第 {n} 张，共 {count} 张（测试集索引 {index}）：真实 <b>{true}</b>，"
        "预测 <b>{predicted}</b>（{probability:.1%}），{verdict}"
    ),
    # ------------------------------------------------------------------ drawing pad
    "Predict": "预测",
    "Clear": "清除",
    "Draw a digit in the box, then press <b>Predict</b>.": (
        "在方框里写一个数字，然后点击<b>预测</b>。"
    ),
    "<b>Draw a digit first</b>: the pad is empty.": "<b>请先写一个数字</b>：画板是空的。",
    "<b>Draw a digit first</b>: no ink on the pad.": "<b>请先写一个数字</b>：画板上没有笔迹。",
    "It looks like a <b>{digit}</b> ({probability:.1%} sure). Left: the 28 x 28 input the "
    "model got; right: its probability for each digit.": (
        "看起来是 <b>{digit}</b>（把握 {probability:.1%}）。左图：模型得到的 28 x 28 输入；"
        "右图：模型给每个数字的概率。"
    ),
    # ------------------------------------------------------------------ command line
    "Training {model} on {count} images for {epochs} {unit}": (
        "正在训练 {model}：{count} 张图像，{epochs} 轮"
    ),
    "Saved {path} ({count:,} parameters)": "已保存 {path}（{count:,} 个参数）",
    "Test: {result} on {count} test images": "测试：{result}，共 {count} 张测试图像",
    "{path}: {result} on {count} test images": "{path}：{result}，共 {count} 张测试图像",
    "Interrupted: {path} was not written (it still holds the model it had).": (
        "已中断：没有写入 {path}（它仍是原来的模型）。"
    ),
    "Interrupted: {path} was not written.": "已中断：没有写入 {path}。",
    "The partly trained model is in {path}.": "训练到一半的模型保存在 {path}。",
    "To keep a partly trained model next time, add --keep-interrupted: it goes to {path}.": (
        "如果下次想保留训练到一半的模型，请加上 --keep-interrupted：它会保存到 {path}。"
    ),
    "error: {path}: the folder holds no files.": "错误：{path}：文件夹里没有文件。",
    "{path}: could not be read ({kind}: {text})": "{path}：无法读取（{kind}：{text}）",
    "error: {message}": "错误：{message}",
    "Checking your setup (importing TensorFlow takes a few seconds)...": (
        "正在检查你的环境（导入 TensorFlow 需要几秒钟）……"
    ),
    "interrupted": "已中断",
    "--out {out}: the file name must end in .keras": "--out {out}：文件名必须以 .keras 结尾",
    "--out {out}: folder {folder} does not exist": "--out {out}：文件夹 {folder} 不存在",
    "--out {out}: is a folder; give a file name inside it": (
        "--out {out}：这是一个文件夹；请给出其中的文件名"
    ),
    "ensemble of {n} (probabilities averaged): {result} on {count} test images": (
        "{n} 个模型的集成（概率取平均）：{result}，共 {count} 张测试图像"
    ),
    "no mistakes to draw: every test image was read right": "没有错误可画：每张测试图像都认对了",
    "the most confident mistakes": "最有把握的错误",
    "{count} mistakes drawn in {path}": "已把 {count} 个错误画在 {path} 里",
    "--mistakes: the picture is written as PNG; give a name ending in .png, got {path}.": (
        "--mistakes：图片以 PNG 格式保存；请给出以 .png 结尾的文件名，得到的是 {path}。"
    ),
    "--mistakes: the folder {folder} does not exist; create it first.": (
        "--mistakes：文件夹 {folder} 不存在；请先创建它。"
    ),
    "--mistakes: could not write {path} ({reason}).": "--mistakes：无法写入 {path}（{reason}）。",
    "--mistakes: {path} is a folder; give a file name inside it.": (
        "--mistakes：{path} 是一个文件夹；请给出其中的文件名。"
    ),
    "--out: the file name is {n} bytes long; most file systems allow 255": (
        "--out：文件名长 {n} 字节；大多数文件系统最多允许 255 字节"
    ),
    # ------------------------------------------------------------------ MNIST files
    "MNIST data not found at {path} (from ${var}). Give the path of a Keras-layout mnist.npz "
    "or of a folder holding the four IDX files, or unset {var2} and call load_mnist() with no "
    "path to download it.": (
        "找不到 MNIST 数据：{path}（来自 ${var}）。请给出 Keras 格式的 mnist.npz 的路径，"
        "或存放四个 IDX 文件的文件夹的路径；也可以取消环境变量 {var2}，"
        "不带路径调用 load_mnist() 来下载。"
    ),
    "MNIST data not found at {path}. Give the path of a Keras-layout mnist.npz or of a folder "
    "holding the four IDX files, or unset {var} and call load_mnist() with no path to "
    "download it.": (
        "找不到 MNIST 数据：{path}。请给出 Keras 格式的 mnist.npz 的路径，或存放四个 IDX "
        "文件的文件夹的路径；也可以取消环境变量 {var}，不带路径调用 load_mnist() 来下载。"
    ),
    "MNIST data not found at {path}.": "找不到 MNIST 数据：{path}。",
    "{path}: holds a single array (a .npy file), not an .npz archive of the four arrays "
    "{keys}.": "{path}：只含一个数组（.npy 文件），而不是包含 {keys} 四个数组的 .npz 压缩包。",
    "{path}: is not a readable .npz archive ({error}). It may be truncated or not an .npz at "
    "all: download it again.": (
        "{path}：不是可读取的 .npz 压缩包（{error}）。它可能不完整，或者根本不是 .npz 文件："
        "请重新下载。"
    ),
    "{path}: an MNIST .npz holds exactly the arrays {keys}; this one holds {found}. Is it "
    "another dataset? Use the mnist.npz that keras.datasets.mnist.load_data() downloads.": (
        "{path}：MNIST 的 .npz 文件恰好包含数组 {keys}；这个文件包含的是 {found}。"
        "它是不是别的数据集？请使用 keras.datasets.mnist.load_data() 下载的 mnist.npz。"
    ),
    "{path}: the array {key} would unpack to {size} bytes, more than the {limit} read here "
    "(MNIST's largest is 47 MB). It is not MNIST.": (
        "{path}：数组 {key} 解压后有 {size} 字节，超过了这里读取的上限 {limit} 字节"
        "（MNIST 最大的数组是 47 MB）。这不是 MNIST。"
    ),
    "{path}: the array {key} declares shape {shape} ({declared} bytes) but the archive holds "
    "{held} bytes for it: the file is damaged or truncated. Download it again.": (
        "{path}：数组 {key} 声明的形状是 {shape}（{declared} 字节），但压缩包里它只有 "
        "{held} 字节：文件已损坏或不完整。请重新下载。"
    ),
    "{folder}: no {stem} (or {stem}.gz) in this folder. An MNIST folder holds the four IDX "
    "files {files}.{hint}": (
        "{folder}：这个文件夹里没有 {stem}（或 {stem}.gz）。MNIST 文件夹应包含四个 IDX 文件："
        "{files}。{hint}"
    ),
    " It holds {name}: give that file's path instead, load_mnist({path}).": (
        "文件夹里有 {name}：请改为给出这个文件的路径，load_mnist({path})。"
    ),
    "{path}: holds {dtype} values; MNIST files hold unsigned bytes (IDX type 0x08).": (
        "{path}：存的是 {dtype} 值；MNIST 文件存的是无符号字节（IDX 类型 0x08）。"
    ),
    # the checks every file goes through (mnist_course/_files.py)
    "{path}: a symbolic link to {target}, which does not exist.": (
        "{path}：是指向 {target} 的符号链接，但目标不存在。"
    ),
    "{path}: is a folder, not {what}.": "{path}：是一个文件夹，而不是{what}。",
    "{path}: permission denied (the file cannot be read).": "{path}：权限不足（无法读取该文件）。",
    "{path}: a symbolic link loop (the link leads back to itself).": (
        "{path}：符号链接形成了循环（链接又指回了自己）。"
    ),
    "{path}: cannot be opened ({reason}).": "{path}：无法打开（{reason}）。",
    "{path}: is {kind}, not {what}.": "{path}：是{kind}，而不是{what}。",
    "{path}: is empty (the file has 0 bytes).": "{path}：是空文件（0 字节）。",
    "an .npz file": "一个 .npz 文件",
    "an IDX file": "一个 IDX 文件",
    "an image file": "一个图像文件",
    "a folder": "一个文件夹",
    "a named pipe (FIFO)": "一个命名管道（FIFO）",
    "a character device (a device file, like /dev/zero)": (
        "一个字符设备（设备文件，比如 /dev/zero）"
    ),
    "a block device (a disk)": "一个块设备（磁盘）",
    "a socket": "一个套接字",
    "not a regular file": "一个特殊文件（不是普通文件）",
    # ------------------------------------------------------------------ the download
    "Cannot write the MNIST download to {folder} ({reason}). Set KERAS_HOME to a writable "
    "folder, or pass path= to load_mnist.": (
        "无法把下载的 MNIST 写入 {folder}（{reason}）。请把 KERAS_HOME 设为一个可写的文件夹，"
        "或给 load_mnist 传入 path=。"
    ),
    "MNIST mirror {url} is not an address starting with https://, http://, ftp:// or "
    "file://. For a copy on this machine, set {var} to its path.": (
        "MNIST 镜像 {url} 不是以 https://、http://、ftp:// 或 file:// 开头的地址。"
        "如果文件就在这台机器上，请把 {var} 设为它的路径。"
    ),
    "Could not download MNIST from {url} ({reason}).": "无法从 {url} 下载 MNIST（{reason}）。",
    "The MNIST download from {url} stopped after {received} of {expected} bytes.": (
        "从 {url} 下载 MNIST 时中断了：共 {expected} 字节，只收到 {received} 字节。"
    ),
    "The file downloaded from {url} has sha256 {actual}, not the expected {expected}: it is "
    "corrupt or not MNIST, so it was discarded.": (
        "从 {url} 下载的文件 sha256 为 {actual}，而不是预期的 {expected}：文件已损坏或不是 "
        "MNIST，已丢弃。"
    ),
    "{failure} Trying the next address: {url}": "{failure}改试下一个地址：{url}",
    "no answer within {seconds} s": "{seconds} 秒内没有应答",
    "The MNIST download from {url} stalled: no data for {seconds} s after {received} of "
    "{total} bytes.": (
        "从 {url} 下载 MNIST 时卡住了：共 {total} 字节，收到 {received} 字节后 {seconds} 秒"
        "没有新数据。"
    ),
    "The MNIST download from {url} stalled: no data for {seconds} s after {received} bytes.": (
        "从 {url} 下载 MNIST 时卡住了：收到 {received} 字节后 {seconds} 秒没有新数据。"
    ),
    "The MNIST download from {url} was too slow: its deadline of {deadline} s passed after "
    "{received} of {total} bytes." + _SLOW: (
        "从 {url} 下载 MNIST 太慢了：{deadline} 秒的时限已过，共 {total} 字节只收到 "
        "{received} 字节。" + _SLOW_ZH
    ),
    "The MNIST download from {url} was too slow: its deadline of {deadline} s passed after "
    "{received} bytes." + _SLOW: (
        "从 {url} 下载 MNIST 太慢了：{deadline} 秒的时限已过，只收到 {received} 字节。" + _SLOW_ZH
    ),
    "{url} announces a file of {total} bytes, more than the {limit} an MNIST download may "
    "have: it is not MNIST, so it was not downloaded.": (
        "{url} 声明文件有 {total} 字节，超过了 MNIST 下载最多允许的 {limit} 字节："
        "它不是 MNIST，所以没有下载。"
    ),
    "The download from {url} went past {limit} bytes, more than an MNIST download may have: "
    "it is not MNIST, so it was stopped and discarded.": (
        "从 {url} 下载的数据超过了 {limit} 字节，比 MNIST 下载最多允许的还多："
        "它不是 MNIST，所以已停止下载并丢弃。"
    ),
    # the progress line: the numbers first, so that a narrow terminal cuts only the host
    "Downloading MNIST: {done:.1f} of {total:.1f} MB ({share:.0%}) from {host}": (
        "正在下载 MNIST：{done:.1f} / {total:.1f} MB（{share:.0%}），来自 {host}"
    ),
    "Downloading MNIST: {done:.1f} MB from {host}": (
        "正在下载 MNIST：已收到 {done:.1f} MB，来自 {host}"
    ),
    "Could not download MNIST from any of the {count} addresses tried:": (
        "尝试了 {count} 个地址，都无法下载 MNIST："
    ),
    "{problem} " + _FIX: "{problem}" + _FIX_ZH,
    _FIX: _FIX_ZH,
}

CATALOGUE: dict[str, str] = {**_OWN, **FEEDBACK, **FIGURES, **ERRORS}
