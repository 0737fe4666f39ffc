"""QR code matrices for certificates: segno's symbol, with its data mask chosen faster.

An encoder must try the eight data masks and keep the one with the lowest penalty score
(ISO/IEC 18004:2015, 7.8.3). segno does that module by module in pure Python, which is most of
the time a certificate's QR code takes. Here segno encodes the content once, with mask 0; the
other seven candidates are derived from it with whole-row bit operations (a row is an integer)
and scored with string and integer operations by segno's own rules; the winner's function
patterns, format and version information come from a cached symbol of the same version, error
level and mask. The result is the very matrix ``segno.make`` returns (tests check).
"""
import re
from functools import lru_cache

import segno
from segno import encoder

# ISO/IEC 18004:2015, Table 10: the data module at row i, column j is flipped when true.
MASK_PATTERNS = (
    lambda i, j: (i + j) % 2 == 0,
    lambda i, j: i % 2 == 0,
    lambda i, j: j % 3 == 0,
    lambda i, j: (i + j) % 3 == 0,
    lambda i, j: (i // 2 + j // 3) % 2 == 0,
    lambda i, j: (i * j) % 2 + (i * j) % 3 == 0,
    lambda i, j: ((i * j) % 2 + (i * j) % 3) % 2 == 0,
    lambda i, j: ((i + j) % 2 + (i * j) % 3) % 2 == 0,
)
_RUN = re.compile(r"0{5,}|1{5,}")
_FINDER_LIKE = "1011101"  # dark:light:dark dark dark:light:dark, 1:1:3:1:1
_LIGHT4 = "0000"
_TO_MODULES = bytes.maketrans(b"01", b"\x00\x01")


def qr_matrix(content, error="m"):
    """The modules of ``segno.make(content, error=error, micro=False)``: a tuple of rows, each
    a bytes of 0 (light) and 1 (dark)."""
    base = segno.make(content, error=error, micro=False, mask=0)
    size = len(base.matrix)
    dark, data, flips = _layout(base.version)
    rows = [_bits(row) for row in base.matrix]
    # As segno scores a candidate: data modules masked, format and version areas still light.
    scores = [
        _penalty([fixed | ((row ^ flip) & region) for row, fixed, region, flip in zip(rows, dark, data, flip_rows)],
                 size)
        for flip_rows in flips
    ]
    best = scores.index(min(scores))  # the first lowest, as segno picks
    if best == 0:
        final = rows
    else:
        # A symbol with the same version, error level and mask has the same function
        # patterns, format and version information: take all but the data modules from it.
        outside = _reference_rows(base.version, base.error, best)
        final = [((row ^ flip) & region) | (ref & ~region)
                 for row, region, flip, ref in zip(rows, data, flips[best], outside)]
    return tuple(format(row, f"0{size}b").encode("ascii").translate(_TO_MODULES) for row in final)


def _bits(flags):
    """A row of modules (or flags) as an integer, column 0 the most significant bit."""
    return int("".join("1" if flag else "0" for flag in flags), 2)


@lru_cache(maxsize=None)
def _layout(version):
    """Per symbol version, as bit masks per row: the dark function modules while the masks are
    scored (format and version areas reserved light), the data modules, and per mask the
    data modules it flips differently from mask 0.

    Built with the segno encoder functions that its own mask evaluation uses."""
    size = encoder.calc_matrix_size(version)
    matrix = encoder.make_matrix(size, size)  # data modules 0x2, the reserved areas 0x0
    encoder.add_finder_patterns(matrix, size, size)
    encoder.add_alignment_patterns(matrix, size, size)
    dark = tuple(_bits([module == 0x1 for module in row]) for row in matrix)
    data = tuple(_bits([module == 0x2 for module in row]) for row in matrix)
    flips = tuple(
        tuple(_bits([MASK_PATTERNS[0](i, j) != pattern(i, j) for j in range(size)]) for i in range(size))
        for pattern in MASK_PATTERNS
    )
    return dark, data, flips


@lru_cache(maxsize=None)
def _reference_rows(version, error, mask):
    """The rows (integers) of some symbol of this version, error level and mask."""
    symbol = segno.make("0", version=version, error=error, mask=mask, micro=False, boost_error=False)
    return tuple(_bits(row) for row in symbol.matrix)


def _penalty(rows, size):
    """The penalty score N1 + N2 + N3 + N4 of a masked symbol (ISO/IEC 18004:2015, Table 11),
    counted as segno counts it."""
    row_text = [format(row, f"0{size}b") for row in rows]
    col_text = ["".join(column) for column in zip(*row_text)]
    runs = _RUN.findall("|".join(row_text + col_text))
    n1 = sum(map(len, runs)) - 2 * len(runs)  # 5 in a row: 3, and 1 for each more
    pairs = (1 << (size - 1)) - 1  # each module with its right-hand neighbour
    n2 = 3 * sum(
        (~(upper ^ lower) & ~(upper ^ (upper >> 1)) & ~(lower ^ (lower >> 1)) & pairs).bit_count()
        for upper, lower in zip(rows, rows[1:])
    )
    n3 = 40 * _finder_like(f"{_LIGHT4}|{_LIGHT4}".join(["", *row_text, *col_text, ""]))
    dark = sum(row.bit_count() for row in rows)
    n4 = 10 * int(abs(dark / size ** 2 * 100 - 50) / 5)
    return n1 + n2 + n3 + n4


def _finder_like(text):
    """Occurrences of 1:1:3:1:1 with four light modules before or after it, in lines padded
    with four light modules (the quiet zone); as segno searches, past a counted one."""
    count = 0
    at = text.find(_FINDER_LIKE)
    while at != -1:
        end = at + len(_FINDER_LIKE)
        if text[at - 4:at] == _LIGHT4 or text[end:end + 4] == _LIGHT4:
            count += 1
            at = text.find(_FINDER_LIKE, end)
        else:
            at = text.find(_FINDER_LIKE, at + 4)
    return count
