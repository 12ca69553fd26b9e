"""Machine operations numba has no spelling for, used by the compiled text parsers: an 8-byte
load from any offset of a byte array, a uint64's bits read as a double, trailing- and
leading-zero counts, and the upper half of a 64 x 64-bit product."""

from __future__ import annotations

from llvmlite import ir
from numba.core import types
from numba.core.extending import intrinsic


@intrinsic
def load_eight_bytes(typingctx, array, index):
    """array[index:index + 8] as one little-endian uint64; the caller checks index + 8 <= len(array)."""

    def codegen(context, builder, signature, args):
        data = context.make_array(signature.args[0])(context, builder, args[0]).data
        address = builder.bitcast(builder.gep(data, [args[1]]), ir.IntType(64).as_pointer())
        return builder.load(address, align=1)

    return types.uint64(array, types.intp), codegen


@intrinsic
def float_from_bits(typingctx, bits):
    """The float64 whose IEEE 754 bits are `bits`."""

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())

    return types.float64(types.uint64), codegen


@intrinsic
def trailing_zero_bits(typingctx, value):
    """The number of 0 bits below a uint64's lowest 1 bit (64 for 0)."""

    def codegen(context, builder, signature, args):
        return builder.cttz(args[0], ir.Constant(ir.IntType(1), 0))

    return types.uint64(types.uint64), codegen


@intrinsic
def leading_zero_bits(typingctx, value):
    """The number of 0 bits above a uint64's highest 1 bit (64 for 0)."""

    def codegen(context, builder, signature, args):
        return builder.ctlz(args[0], ir.Constant(ir.IntType(1), 0))

    return types.uint64(types.uint64), codegen


@intrinsic
def multiply_high(typingctx, a, b):
    """The upper 64 bits of the 128-bit product of two uint64 (one `mul` on x86-64 and ARM64)."""

    def codegen(context, builder, signature, args):
        wide = ir.IntType(128)
        product = builder.mul(builder.zext(args[0], wide), builder.zext(args[1], wide))
        return builder.trunc(builder.lshr(product, ir.Constant(wide, 64)), ir.IntType(64))

    return types.uint64(types.uint64, types.uint64), codegen
