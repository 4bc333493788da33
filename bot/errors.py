"""The package's exceptions, one tree.

CitizenBotError
 ├── ConfigurationError      a settings or data file is missing or malformed
 ├── KnowledgeBaseError      the knowledge base or its index cannot be built or read
 └── ServiceError            an outside service (dossier system, Zalo, Graph API) failed
      └── ServiceUnavailable the service did not answer in time
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
