"""Stages 1→7 in one call (notebook 07, 9. 한데 모으기: `train(args)`): `restore` (stages.py) rebuilds what notebooks
02..N built, `train` (training.py) runs them all and fits. The notebooks import both from here."""
from __future__ import annotations

from .stages import Stages, prepare_stages, restore
from .training import train

__all__ = ["Stages", "restore", "prepare_stages", "train"]
