"""levelfield for Python: public-health statistics with confidence intervals on pandas, Polars
and PyArrow tables, numerically equal to UKHSA's PHEindicatormethods, and whole equality
profiles through the ``levelfield`` program.

>>> import levelfield
>>> out = levelfield.stats.rate(df, numerator="x", denominator="n", group_by="area",
...                             confidence=[0.95, 0.998], multiplier=100000)
>>> out.to_pandas()          # or polars.from_arrow(out)

:func:`chart` draws a result as the report's dot-and-whisker chart (SVG, shown in notebooks).
``levelfield.stats`` runs in this process (Rust, no copies of the input's buffers where the
library allows). :func:`profile` and the table commands (:func:`inequality`, :func:`compare`,
:func:`funnel`, :func:`spc`, :func:`suppress`) run the installed ``levelfield`` program.
"""

from . import stats
from ._errors import InputError, RunError
from ._chart import Chart, chart
from ._cli import Profile, compare, funnel, inequality, profile, spc, suppress

__all__ = [
    "stats",
    "chart",
    "Chart",
    "InputError",
    "RunError",
    "Profile",
    "profile",
    "inequality",
    "compare",
    "funnel",
    "spc",
    "suppress",
]
__version__ = "0.1.0"
