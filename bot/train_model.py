"""Train the Rasa model and print what is happening, not pages of library warnings (``make train``).

``rasa train --quiet`` still prints every deprecation warning of the libraries it imports and each of
Rasa's own advisory warnings (responses used only by actions, an overlap it cannot know is wanted):
dozens of lines a province's technician cannot act on. This runs the same training with warnings and
TensorFlow's C++ log silenced; errors still stop it with their message.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
import warnings


def _silence() -> None:
    warnings.simplefilter("ignore")
    logging.basicConfig(level=logging.ERROR)
    logging.getLogger().setLevel(logging.ERROR)


def main(argv: list[str] | None = None) -> int:
    """Command line: the arguments of ``rasa train`` that the Makefile uses."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="nlu_data")
    parser.add_argument("--domain", default="domain.yml")
    parser.add_argument("--config", default="config.yml")
    parser.add_argument("--out", default="models")
    parser.add_argument("--fixed-model-name", default="citizenbot")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    # Rasa's cache warns at import, past the filters, unless told by this variable.
    os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    _silence()
    print("Training the Rasa model (NLU and dialogue policies); 2–4 minutes on two cores…", flush=True)
    started = time.perf_counter()
    from rasa.model_training import train
    from rasa.utils.log_utils import configure_structlog

    _silence()  # importing Rasa installed filters of its own
    # Rasa's structured log (each rule the rule policy checks) prints at debug level unless configured,
    # which `rasa train` does and a direct call does not: thousands of lines.
    configure_structlog(logging.ERROR)
    result = train(
        domain=args.domain,
        config=args.config,
        training_files=[args.data],
        output=args.out,
        fixed_model_name=args.fixed_model_name,
    )
    if result.code != 0 or not result.model:
        print(
            f"Training failed (code {result.code}); run `rasa train` for Rasa's full output.", file=sys.stderr
        )
        return 1
    print(f"Training took {time.perf_counter() - started:.0f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
