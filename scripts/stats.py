"""What the bench and peers scripts' summaries share; they import it with
PYTHONPATH=scripts, from the project root."""
import random
import statistics as st


def median_interval(values, draws=2000):
    """The median of values, and a bootstrapped 95% interval of it: the
    2.5th and 97.5th percentiles of the medians of draws resamples, drawn
    from the module random, which the caller seeds."""
    boot = sorted(st.median(random.choices(values, k=len(values))) for _ in range(draws))
    return st.median(values), boot[draws // 40], boot[draws - draws // 40 - 1]
