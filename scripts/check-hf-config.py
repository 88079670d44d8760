#!/usr/bin/env python3
"""Checks a Hugging Face config.json written by `ctxevo runs export RUN --format hf` with transformers' own rope
validation: loads it as a LlamaConfig (which standardises rope_scaling into rope_parameters and validates it), and
also calls the deprecated `rope_config_validation` entry point. Any warning or error from the rope validation
fails the check. Usage: scripts/check-hf-config.py config.json   (needs `pip install transformers`)"""
import json
import logging
import sys
import warnings

from transformers import LlamaConfig, __version__
from transformers.modeling_rope_utils import rope_config_validation

problems = []


class Collect(logging.Handler):
    def emit(self, record):
        if record.levelno >= logging.WARNING and "rope" in record.getMessage().lower():
            problems.append(record.getMessage())


logging.getLogger("transformers").addHandler(Collect())
with open(sys.argv[1]) as f:
    data = json.load(f)
config = LlamaConfig.from_dict(data)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", FutureWarning)  # the entry point itself is deprecated in transformers 5
    rope_config_validation(config)
parameters = getattr(config, "rope_parameters", None) or getattr(config, "rope_scaling", None)
print(f"transformers {__version__}: rope_type {parameters['rope_type']}, {len(parameters['long_factor'])} long factors, "
      f"attention_factor {parameters.get('attention_factor')}, max_position_embeddings {config.max_position_embeddings}")
if problems:
    print("rejected:\n  " + "\n  ".join(problems))
    sys.exit(1)
print("accepted")
