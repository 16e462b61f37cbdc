"""A ceiling on the memory of the processes that parse uploaded files.

The readers check sizes before parsing, but a hostile spreadsheet may still
find a way to inflate; with an address-space limit the worker gets a
``MemoryError`` for that one batch instead of taking the machine down.
"""

import logging
import resource

from django.conf import settings

logger = logging.getLogger(__name__)


def limit_memory(megabytes: int | None = None) -> None:
    limit = megabytes if megabytes is not None else settings.CAREPACK_WORKER_MEMORY_MB
    if limit <= 0:
        return
    wanted = limit * 1024 * 1024
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))
    logger.info("memory limit set megabytes=%s", wanted // (1024 * 1024))
