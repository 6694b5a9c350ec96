"""Bad input of every kind ends in InputError (or a result), never in a panic of the extension
or another exception: seeded random tables of numbers, text, missing values, negatives, NaN and
infinities through every statistic."""

import math
import random

import pyarrow as pa
import pytest

import levelfield

S = levelfield.stats
CELLS = [0, 1, 2, 5, 10, 90, -1, -0.5, 1e9, 0.25, None, float("nan"), float("inf"), "x", "",
         "NA", "3", "TRUE", "01"]


def column(rng, n):
    kind = rng.choice(["int", "float", "text", "mixed"])
    if kind == "int":
        return pa.array([rng.choice([0, 1, 2, 5, 10, 19, 90, -3, None]) for _ in range(n)],
                        pa.int64())
    if kind == "float":
        return pa.array([rng.choice([0.0, 0.5, 3.0, 12.5, -1.0, None, math.nan, math.inf])
                         for _ in range(n)], pa.float64())
    return pa.array([str(c) if c is not None else None
                     for c in (rng.choice(CELLS) for _ in range(n))], pa.string())


CALLS = [
    lambda t, c, rng: S.proportion(t, numerator=c[0], denominator=c[1],
                                   group_by=rng.choice([None, c[2]]),
                                   confidence=rng.choice([0.95, [0.95, 0.998], None])),
    lambda t, c, rng: S.rate(t, numerator=c[0], denominator=c[1], group_by=c[2]),
    lambda t, c, rng: S.mean(t, value=c[0], group_by=rng.choice([None, c[2]])),
    lambda t, c, rng: S.dsr(t, numerator=c[0], denominator=c[1], standard_population=c[2],
                            age_band=rng.choice([None, c[3]]), group_by=rng.choice([None, c[4]]),
                            event_frequency=rng.choice([None, c[2]])),
    lambda t, c, rng: S.dsr(t, numerator=c[0], denominator=c[1], standard_population="esp2013",
                            age_band=c[3]),
    lambda t, c, rng: S.isratio(t, numerator=c[0], denominator=c[1], reference_numerator=c[2],
                                reference_denominator=c[3], age_band=rng.choice([None, c[4]]),
                                group_by=rng.choice([None, c[4]])),
    lambda t, c, rng: S.israte(t, numerator=c[0], denominator=c[1], reference_numerator=c[2],
                               reference_denominator=c[3], group_by=c[4]),
    lambda t, c, rng: S.quantile(t, value=c[0], quantiles=rng.choice([2, 5, 10]),
                                 invert_column=rng.choice([None, c[1]]),
                                 group_by=rng.choice([None, c[2]])),
    lambda t, c, rng: S.life_expectancy(t, numerator=c[0], denominator=c[1], age_band=c[2],
                                        group_by=rng.choice([None, c[3]])),
    lambda t, c, rng: S.sii(t, value=c[0], se=c[1], population=c[2], quantile=c[3],
                            group_by=rng.choice([None, c[4]]), repetitions=1000,
                            value_type=rng.choice(["rate", "proportion", "other"])),
]


@pytest.mark.parametrize("seed", range(40))
def test_random_bad_input_is_an_input_error_or_a_result(seed):
    rng = random.Random(seed)
    for _ in range(10):
        n = rng.randint(1, 12)
        names = [f"c{i}" for i in range(5)]
        table = pa.table({name: column(rng, n) for name in names})
        cols = names[:]
        rng.shuffle(cols)
        call = rng.choice(CALLS)
        try:
            out = call(table, cols, rng)
        except levelfield.InputError:
            continue
        assert isinstance(out, pa.Table)
