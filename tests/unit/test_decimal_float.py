"""The compiled number parser gives exactly Python's float() for every number it decides."""

from __future__ import annotations

from decimal import Decimal

import numba
import numpy as np
import pytest

from jettransfer.data.readers.decimal_float import NOT_A_NUMBER, NUMBER, UNDECIDED, parse_number


@numba.njit(cache=True)
def _parse_all(codes, starts, values, ends, statuses):
    for k in range(len(starts)):
        values[k], ends[k], statuses[k] = parse_number(codes, starts[k])


def parsed(strings: list[str]):
    """Each string parsed where it sits in one comma-separated text, as a reader meets them."""
    text = ",".join(strings).encode() + b","
    lengths = np.array([len(s) for s in strings])
    starts = np.concatenate([[0], np.cumsum(lengths + 1)[:-1]])
    values, ends, statuses = np.zeros(len(strings)), np.zeros(len(strings), np.int64), np.zeros(len(strings), np.int64)
    _parse_all(np.frombuffer(text, np.uint8), starts, values, ends, statuses)
    return values, ends - starts, statuses


def numbers_as_written(rng) -> list[str]:
    magnitudes = rng.standard_normal(20000) * 10.0 ** rng.uniform(-300, 300, 20000)
    momenta = rng.exponential(50.0, 20000) * rng.choice([-1.0, 1.0], 20000)
    bit_patterns = np.frombuffer(rng.bytes(8 * 20000), dtype=np.float64)
    return ([repr(float(v)) for v in magnitudes if np.isfinite(v)]
            + [repr(float(v)) for v in momenta] + ["%.6f" % v for v in momenta] + ["%.4e" % v for v in momenta]
            + ["%d" % v for v in momenta] + [repr(float(v)) for v in bit_patterns if np.isfinite(v)]
            + [f"{a}e{b}" for a, b in zip(rng.integers(1, 10**18, 20000), rng.integers(-330, 300, 20000))])


def test_every_decided_number_is_python_float_bit_for_bit():
    strings = numbers_as_written(np.random.default_rng(7))
    values, lengths, statuses = parsed(strings)
    expected = np.array([float(s) for s in strings])
    assert np.array_equal(lengths, [len(s) for s in strings]), "each number ends where its text ends"
    decided = statuses == NUMBER
    assert decided.mean() > 0.99
    assert np.array_equal(values[decided].view(np.uint64), expected[decided].view(np.uint64))
    assert np.all(statuses[~decided] == UNDECIDED)


def test_halfway_cases_round_to_even():
    # The decimal midpoint between two neighbouring doubles, written in full, must round to the
    # one with the even mantissa, as float() does; shortened to 19 digits it is no longer a tie.
    rng = np.random.default_rng(3)
    strings = []
    for v in rng.uniform(1.0, 1e6, 3000):
        middle = Decimal(float(v)) + Decimal(float(np.spacing(v))) / 2
        strings += [str(middle), f"{middle:.18e}"]
    strings += ["9007199254740993", "9007199254740995", "1e23", "4503599627370497.5"]
    values, _, statuses = parsed(strings)
    expected = np.array([float(s) for s in strings])
    decided = statuses == NUMBER
    assert np.array_equal(values[decided].view(np.uint64), expected[decided].view(np.uint64))
    assert values[strings.index("9007199254740993")] == 9007199254740992.0


@pytest.mark.parametrize("text, value", [
    ("0", 0.0), ("-0.0", -0.0), ("0e10", 0.0), ("1.5e-5", 1.5e-5), ("1E+3", 1000.0), ("123.", 123.0),
    ("0.00000000000000000000000000001234", 1.234e-29),  # leading zeros are not significant digits
    ("100000000000000000000000000000.0", 1e29),  # nor are trailing ones
    ("1.7976931348623157e308", 1.7976931348623157e308), ("2.2250738585072014e-308", 2.2250738585072014e-308),
])
def test_edge_numbers(text, value):
    values, lengths, statuses = parsed([text])
    assert statuses[0] == NUMBER and lengths[0] == len(text)
    assert values[0] == value and np.signbit(values[0]) == np.signbit(value)


@pytest.mark.parametrize("text", ["1.00000000000000000000000001", "4.9406564584124654e-324", "1e400"])
def test_what_it_cannot_decide_is_left_to_the_caller(text):
    # more than 19 significant digits, a subnormal, an overflow: float() gets the text
    _, lengths, statuses = parsed([text])
    assert statuses[0] == UNDECIDED and lengths[0] == len(text)


@pytest.mark.parametrize("text", ["null", "-", ".", "1e", "NaN", "+1"])
def test_no_digits_is_not_a_number(text):
    _, _, statuses = parsed([text])
    assert statuses[0] == NOT_A_NUMBER
