"""A PEP 517 backend that reports a wheel it never writes."""
def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    return "nowheel-1.0-py3-none-any.whl"
