"""JSON number text -> float64, correctly rounded (the same double as Python's `float()`), compiled.

`parse_number` reads a number's text at a byte offset: its significant digits `w` (at most 19,
so an unsigned 64-bit integer; eight digits at a time where they come in a run) and a power of
ten `q`, so that the value is w * 10**q. Two exact methods then cover nearly every number a
text file holds:
- Clinger's fast path: when w <= 2**53 and |q| <= 22, both w and 10**|q| are exact doubles, and
  one IEEE multiplication or division rounds their product correctly.
- The Eisel-Lemire method (Lemire, "Number parsing at a gigabyte per second", 2021): w times a
  128-bit approximation of 5**q gives the leading bits of the product; when those bits are far
  enough from a rounding boundary they decide the double exactly, otherwise it reports failure.
A number neither method decides (more than 19 significant digits, a subnormal, a rare near-tie)
is reported as undecided, and the caller parses its text with Python's `float()`.
"""

from __future__ import annotations

import numba
import numpy as np

from jettransfer.data.readers.byte_intrinsics import (
    float_from_bits,
    leading_zero_bits,
    load_eight_bytes,
    multiply_high,
    trailing_zero_bits,
)

# What parse_number reports.
NUMBER, NOT_A_NUMBER, UNDECIDED = 0, 1, 2

SMALLEST_POWER = -342  # below 1e-342 every double rounds to zero
LARGEST_POWER = 308


def _powers_of_five_128() -> tuple[np.ndarray, np.ndarray]:
    """5**q for q in [-342, 308] as 128-bit mantissas (most significant bit set): the upper and
    lower 64-bit halves. Positive powers are truncated; negative ones are 2**b // 5**-q + 1, i.e.
    rounded up, so the product with w never falls below the true value's leading bits."""
    high, low = [], []
    for q in range(SMALLEST_POWER, LARGEST_POWER + 1):
        if q < 0:
            power = 5**-q
            z = power.bit_length()  # the least z with 2**z > 5**-q
            b = z + 127 if q >= -27 else 2 * z + 128
            value = 2**b // power + 1
            while value >= 1 << 128:
                value >>= 1
        else:
            value = 5**q
            value <<= max(0, 127 - value.bit_length() + 1)
            value >>= max(0, value.bit_length() - 128)
        high.append(value >> 64)
        low.append(value & (2**64 - 1))
    return np.array(high, dtype=np.uint64), np.array(low, dtype=np.uint64)


POWER5_HIGH, POWER5_LOW = _powers_of_five_128()
EXACT_POWERS_OF_TEN = np.array([10.0**k for k in range(23)])  # 10**22 is the largest exact double power
INTEGER_POWERS_OF_TEN = np.array([10**k for k in range(9)], dtype=np.uint64)

_U1 = np.uint64(1)
_U32 = np.uint64(32)
_U52 = np.uint64(52)
_U63 = np.uint64(63)
_ALL_ONES = np.uint64(0xFFFFFFFFFFFFFFFF)
_BELOW_55_BITS = np.uint64(0x1FF)  # the product's bits under the 55 kept: all ones = maybe a carry missed
_HIDDEN_BIT = np.uint64(1 << 52)
_TWO_POW_53 = np.uint64(1 << 53)
_HUNDRED_MILLION = np.uint64(100_000_000)
_ZEROS = np.uint64(0x3030303030303030)  # "00000000"
_HIGH_NIBBLES = np.uint64(0xF0F0F0F0F0F0F0F0)
_SIXES = np.uint64(0x0606060606060606)
_THREES = np.uint64(0x3333333333333333)
_BYTES_0_4 = np.uint64(0x000000FF000000FF)
_HUNDRED_AND_MILLION = np.uint64(100 + (1_000_000 << 32))
_ONE_AND_TEN_THOUSAND = np.uint64(1 + (10_000 << 32))


@numba.njit(cache=True)
def _multiply_128(a, b):
    """The full 128-bit product of two uint64: (high, low)."""
    return multiply_high(a, b), a * b


@numba.njit(cache=True)
def _eisel_lemire_bits(w, q):
    """The IEEE bits of w * 10**q (w > 0), or -1 where the method cannot decide."""
    if q < SMALLEST_POWER or q > LARGEST_POWER:
        return -1
    shift_in = np.int64(leading_zero_bits(w))
    w = w << np.uint64(shift_in)
    index = q - SMALLEST_POWER
    high, low = _multiply_128(w, POWER5_HIGH[index])
    if high & _BELOW_55_BITS == _BELOW_55_BITS:  # the truncated low half of 5**q may carry into the kept bits
        second_high, _ = _multiply_128(w, POWER5_LOW[index])
        summed = low + second_high
        if summed < low:
            high += _U1
        low = summed
        if high & _BELOW_55_BITS == _BELOW_55_BITS and low == _ALL_ONES:
            return -1  # still within an ulp of a boundary
    upper_bit = np.int64(high >> _U63)
    shift = np.uint64(upper_bit + 9)
    mantissa = high >> shift
    # floor(q * log2(10)) + 63, then the double's exponent bias 1023
    power2 = ((217706 * q) >> 16) + 63 + upper_bit - shift_in + 1023
    if power2 <= 0 or power2 >= 2047:  # subnormal or overflow
        return -1
    if low <= _U1 and -4 <= q <= 23 and mantissa & np.uint64(3) == _U1 and (mantissa << shift) == high:
        mantissa = mantissa & ~_U1  # exactly half way: round to even, i.e. down here
    mantissa = (mantissa + (mantissa & _U1)) >> _U1
    if mantissa >= _TWO_POW_53:
        mantissa = _HIDDEN_BIT
        power2 += 1
    if power2 >= 2047:
        return -1
    return np.int64((mantissa & ~_HIDDEN_BIT) | (np.uint64(power2) << _U52))


@numba.njit(cache=True)
def decimal_to_float(w, q):
    """(w * 10**q as a double, decided)."""
    if w == 0:
        return 0.0, True
    if w <= _TWO_POW_53 and -22 <= q <= 22:
        if q >= 0:
            return np.float64(w) * EXACT_POWERS_OF_TEN[q], True
        return np.float64(w) / EXACT_POWERS_OF_TEN[-q], True
    ieee = _eisel_lemire_bits(w, q)
    if ieee < 0:
        return 0.0, False
    return float_from_bits(np.uint64(ieee)), True


@numba.njit(cache=True)
def _is_digit(c):
    return 48 <= c <= 57


@numba.njit(cache=True)
def _leading_digits(x):
    """How many of the 8 bytes in x (little-endian, so the first byte is the lowest) are ASCII
    digits before the first byte that is not. A byte is a digit when its high nibble is 3 and
    adding 6 does not carry into it; a carry out of a non-digit byte only reaches later bytes."""
    flags = ((x & _HIGH_NIBBLES) | (((x + _SIXES) & _HIGH_NIBBLES) >> np.uint64(4))) ^ _THREES
    return np.int64(trailing_zero_bits(flags) >> np.uint64(3))


@numba.njit(cache=True)
def _eight_digits_value(x):
    """The number the 8 ASCII digits in x spell (the first byte is the most significant digit):
    pairs, then fours, then eight, each step a few multiplications on all lanes at once."""
    x = x - _ZEROS
    x = x * np.uint64(10) + (x >> np.uint64(8))  # two-digit values in bytes 0, 2, 4, 6
    low = (x & _BYTES_0_4) * _HUNDRED_AND_MILLION
    high = ((x >> np.uint64(16)) & _BYTES_0_4) * _ONE_AND_TEN_THOUSAND
    return (low + high) >> _U32


@numba.njit(cache=True)
def _digits_one_by_one(codes, i, w):
    """Append the digits at codes[i:] to w, a byte at a time: (w, end)."""
    while i < len(codes) and _is_digit(codes[i]):
        w = w * np.uint64(10) + np.uint64(codes[i] - 48)
        i += 1
    return w, i


@numba.njit(cache=True)
def _digit_run(codes, i, w):
    """Append the digits at codes[i:] to w (modulo 2**64): (w, end). Eight bytes at a time: a
    block's leading digits are moved to its top and the bytes below them made '0'."""
    n = len(codes)
    while i + 8 <= n:
        block = load_eight_bytes(codes, i)
        count = _leading_digits(block)
        if count == 0:
            return w, i
        if count < 8:
            block = (block << np.uint64(8 * (8 - count))) | (_ZEROS >> np.uint64(8 * count))
        w = w * INTEGER_POWERS_OF_TEN[count] + _eight_digits_value(block)
        i += count
        if count < 8:
            return w, i
    return _digits_one_by_one(codes, i, w)  # the buffer's last bytes


@numba.njit(cache=True)
def _careful_mantissa(codes, start, end):
    """The mantissa codes[start:end] (digits and at most one '.') as (w, q, exact): leading zeros
    skipped, at most 19 significant digits kept, exact False where a dropped digit is not 0."""
    w = np.uint64(0)
    q = 0
    kept = 0
    exact = True
    fraction = False
    for j in range(start, end):
        c = codes[j]
        if c == 46:
            fraction = True
            continue
        if kept < 19:
            if w != 0 or c != 48:
                w = w * np.uint64(10) + np.uint64(c - 48)
                kept += 1
            if fraction:
                q -= 1
        else:
            if c != 48:
                exact = False
            if not fraction:
                q += 1
    return w, q, exact


@numba.njit(cache=True)
def parse_number(codes, i):
    """The JSON number starting at codes[i]: (value, end, status), status NUMBER, NOT_A_NUMBER
    (no digits where a number should be) or UNDECIDED (well formed; parse codes[i:end] yourself)."""
    n = len(codes)
    negative = i < n and codes[i] == 45  # -
    i += np.int64(negative)  # without a branch: signs come in no predictable order
    start = i
    w, i = _digits_one_by_one(codes, i, np.uint64(0))  # integer parts are short
    digits = i - start
    q = 0
    if i < n and codes[i] == 46:  # .
        fraction_start = i + 1
        w, i = _digit_run(codes, fraction_start, w)
        q = fraction_start - i
        digits -= q
    if digits == 0:
        return 0.0, i, NOT_A_NUMBER
    mantissa_end = i
    exponent = 0
    if i < n and (codes[i] == 101 or codes[i] == 69):  # e E
        i += 1
        exponent_negative = i < n and codes[i] == 45
        if i < n and (codes[i] == 45 or codes[i] == 43):
            i += 1
        exponent_start = i
        while i < n and _is_digit(codes[i]):
            if exponent < 100000:  # beyond every double's range either way
                exponent = exponent * 10 + (codes[i] - 48)
            i += 1
        if i == exponent_start:
            return 0.0, i, NOT_A_NUMBER
        if exponent_negative:
            exponent = -exponent
    if digits > 19:  # w overflowed: count again without leading zeros, or give up
        w, q, exact = _careful_mantissa(codes, start, mantissa_end)
        if not exact:
            return 0.0, i, UNDECIDED
    q += exponent
    value, decided = decimal_to_float(w, q)
    if not decided:
        return 0.0, i, UNDECIDED
    return (-value if negative else value), i, NUMBER
