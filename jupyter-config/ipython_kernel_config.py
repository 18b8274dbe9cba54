# The course's Python kernel (make copies this file to .venv/etc/ipython/, Binder's postBuild
# to its environment's etc/ipython/). ipykernel's own switch, documented in its changelog
# (6.0): text that C and C++ libraries write straight to the process's standard streams
# goes to the terminal that started Jupyter, as it did before ipykernel 6, instead of
# into the notebook. TensorFlow writes a few start-up lines that way ("oneDNN custom
# operations are on", "Could not find cuda drivers") before its own log switch
# (TF_CPP_MIN_LOG_LEVEL) is read; they are information, not errors. Python's own warnings
# and errors still appear in the notebook.
c = get_config()  # noqa: F821 (defined by IPython when it reads this file)
c.IPKernelApp.capture_fd_output = False
