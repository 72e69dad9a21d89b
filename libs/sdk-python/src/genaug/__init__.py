"""General Augment server-side SDK: ``from genaug import GeneralAugmentClient, response_output_text``."""

from ._version import __version__
from .client import DEFAULT_BASE_URL, GeneralAugmentClient, response_output_text
from .errors import GeneralAugmentAPIError
from .sse import SseParser

__all__ = [
    "__version__",
    "DEFAULT_BASE_URL",
    "GeneralAugmentAPIError",
    "GeneralAugmentClient",
    "SseParser",
    "response_output_text",
]
