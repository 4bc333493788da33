"""The package's exceptions, one tree.

CitizenBotError
 ├── ConfigurationError      a settings or data file is missing or malformed
 ├── KnowledgeBaseError      the knowledge base or its index cannot be built or read
 ├── ServiceError            an outside service (dossier system, Zalo, Graph API) failed
 │    └── ServiceUnavailable the service did not answer in time
 └── StoreError              the services process's own database (SQLite file or PostgreSQL) failed
      ├── StoreUnavailable   it cannot be written or read now (disk full, read-only, server down)
      └── StoreConflict      a concurrent writer got there first (a key taken, a serialization failure)
"""


class CitizenBotError(Exception):
    """Base of every error raised by the package."""


class ConfigurationError(CitizenBotError):
    """A settings or data file is missing or malformed."""


class KnowledgeBaseError(CitizenBotError):
    """The knowledge base or its index cannot be built or read."""


class ServiceError(CitizenBotError):
    """An outside service failed."""


class ServiceUnavailable(ServiceError):
    """An outside service did not answer in time."""


class StoreError(CitizenBotError):
    """The services process's own database failed; the transaction was rolled back, nothing was written."""


class StoreUnavailable(StoreError):
    """The store cannot be written or read now; the message is for the citizen (Vietnamese)."""

    def __init__(
        self, message: str = "Xin lỗi, hệ thống tạm thời chưa lưu được yêu cầu của anh/chị."
    ) -> None:
        super().__init__(message)


class StoreConflict(StoreError):
    """A concurrent writer got there first (a unique key already taken, a serialization failure)."""
