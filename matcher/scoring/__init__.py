"""Scores of every mentee × mentor pair: one matrix per component, hard rules as masks."""
from matcher.scoring.combine import HARD_RULES, Scores, score_pairs

__all__ = ["HARD_RULES", "Scores", "score_pairs"]
