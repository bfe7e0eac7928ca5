"""Change risk: features from the diff and the history, a score with reasons, calibration."""
