"""CPU-bound work for the examples' /busy route."""

import time


def rank_candidates(ms):
    """CPU-bound work on the loop, spread over many short calls (a handler
    scoring candidates in pure Python): ms of the thread's CPU time, none
    of it in one long call."""
    end = time.thread_time() + ms / 1000
    best = 0
    while time.thread_time() < end:
        best = max(best, score_candidate(best))
    return best


def score_candidate(seed):
    x = seed
    for i in range(50):
        x = (x * 31 + i) % 1_000_003
    return x
