"""The Chinese of what the course draws and prints about models: see ``zh.py``.

Plot titles, axis labels and legends (``plots.py``, ``inspection.py``, ``callbacks.py``),
the training playground's labels and table, the epoch lines and ``evaluate``'s printout.
"""

from __future__ import annotations

__all__ = ["FIGURES"]

FIGURES: dict[str, str] = {
    # ------------------------------------------------------------------ words used everywhere
    "loss": "损失",
    "accuracy": "准确率",
    "val_loss": "验证损失",
    "val_accuracy": "验证准确率",
    "digit": "数字",
    "images": "图像",
    "input": "输入",
    "probability": "概率",
    # ------------------------------------------------------------------ plots.py
    "pred {digit}": "预测 {digit}",
    "column": "列",
    "row": "行",
    "label {label}: {title}": "标签 {label}：{title}",
    "28 x 28 = 784 numbers: 0 is background (white), {high:g} is ink (black)": (
        "28 x 28 = 784 个数：0 是背景（白色），{high:g} 是笔迹（黑色）"
    ),
    "train": "训练集",
    "test": "测试集",
    "Images per digit: the classes are roughly balanced": "每个数字的图像数：各类别大致均衡",
    "training": "训练",
    "validation": "验证",
    "epoch": "轮",
    "seconds since training began": "从开始训练起的秒数",
    "loss (lower is better)": "损失（越低越好）",
    "accuracy (higher is better)": "准确率（越高越好）",
    "predicted digit": "预测数字",
    "true digit": "真实数字",
    "{name}: {right} of {count} right, {wrong} mistakes": (
        "{name}：{count} 张中答对 {right} 张，错 {wrong} 张"
    ),
    "{right} of {count} right; off the diagonal: mistakes": (
        "{count} 张中答对 {right} 张；对角线以外是错误"
    ),
    "mistakes (same scale in every panel)": "错误数（各图用同一刻度）",
    "#{index}\ntrue {true} → {predicted}\n{probability:.0%}": (
        "#{index}\n真实 {true} → {predicted}\n{probability:.0%}"
    ),
    "true {label}": "真实 {label}",
    "predicted {digit} ({chance:.1%})": "预测 {digit}（{chance:.1%}）",
    # ------------------------------------------------------------------ inspection.py
    "{name}: the shape of the data after each layer": "{name}：数据经过每一层之后的形状",
    "unit {unit}": "神经元 {unit}",
    "weight": "权重",
    "filter {index}": "卷积核 {index}",
    "map {index}": "特征图 {index}",
    # ------------------------------------------------------------------ callbacks.py
    "epoch {epoch}/{epochs}  {metrics}  ({seconds:.1f} s)": (
        "第 {epoch}/{epochs} 轮  {metrics}  （{seconds:.1f} 秒）"
    ),
    "{title}: epoch {epoch}/{epochs}   {metrics}": "{title}：第 {epoch}/{epochs} 轮   {metrics}",
    "epoch {epoch}/{epochs}   {metrics}": "第 {epoch}/{epochs} 轮   {metrics}",
    # ------------------------------------------------------------------ evaluation.py
    "loss {loss:.4f}{penalty}  accuracy {accuracy:.2%}  ({wrong} of {count} wrong)": (
        "损失 {loss:.4f}{penalty}  准确率 {accuracy:.2%}（{count} 张中错了 {wrong} 张）"
    ),
    " (cross-entropy; with the weight penalty {penalty:.4f}, as model.evaluate reports it: "
    "{total:.4f})": (
        "（交叉熵；加上权重惩罚项 {penalty:.4f}，即 model.evaluate 报告的损失：{total:.4f}）"
    ),
    # The columns of the report line up: each Chinese character is two columns wide.
    "digit  precision  recall     f1  support": " 数字     精确率  召回率     F1   样本数",
    # ------------------------------------------------------------------ playground.py
    "hidden units": "隐藏层神经元数",
    "dropout": "Dropout 比例",
    "learning rate": "学习率",
    "epochs": "轮数",
    "training images": "训练图像数",
    "Train": "训练",
    "Training...": "正在训练……",
    "run {number}": "第 {number} 次运行",
    "Run {number}: validation accuracy <b>{accuracy:.2%}</b>.": (
        "第 {number} 次运行：验证准确率 <b>{accuracy:.2%}</b>。"
    ),
    "<i>No runs yet: choose settings and press Train.</i>": (
        "<i>还没有运行过：选好设置，然后点击“训练”。</i>"
    ),
    "run": "运行",
    "seconds": "用时（秒）",
    "validation accuracy": "验证准确率",
}
