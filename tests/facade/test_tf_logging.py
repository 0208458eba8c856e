"""tf.logging prints the way TensorFlow's does (INFO:tensorflow:... once INFO is set)."""
import subprocess
import sys

import sessionflow as tf


def _stderr_of(program: str) -> str:
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                          timeout=60, check=True)
    return done.stderr


def test_info_prints_after_set_verbosity_info_and_not_before():
    err = _stderr_of("import sessionflow as tf\n"
                     "tf.logging.info('hidden %d', 1)\n"
                     "tf.logging.set_verbosity(tf.logging.INFO)\n"
                     "tf.logging.info('step %d loss %.2f', 3, 0.5)\n"
                     "tf.logging.warning('careful')\n")
    assert err.splitlines() == ["INFO:tensorflow:step 3 loss 0.50", "WARNING:tensorflow:careful"]


def test_a_program_that_configured_logging_gets_no_second_handler():
    err = _stderr_of("import logging\nlogging.basicConfig(format='%(name)s|%(message)s')\n"
                     "import sessionflow as tf\ntf.logging.warn('once')\n")
    assert err.splitlines() == ["tensorflow|once"]


def test_log_first_n_and_every_n_count_per_call_site(caplog):
    tf.get_logger().propagate = True
    with caplog.at_level("INFO", logger="tensorflow"):
        for i in range(5):
            tf.logging.log_first_n(tf.logging.INFO, "first %d", 2, i)
        for i in range(5):
            tf.logging.log_every_n(tf.logging.INFO, "every %d", 2, i)
    assert [r.getMessage() for r in caplog.records] == [
        "first 0", "first 1", "every 0", "every 2", "every 4"]
    assert tf.get_logger().name == "tensorflow"
