"""The certificate QR code: the faster mask choice gives exactly segno's symbol."""
import random

import pytest
import segno

from lms.certificates.codes import new_code
from lms.certificates.qr import qr_matrix


def segno_matrix(content, error):
    return tuple(bytes(row) for row in segno.make(content, error=error, micro=False).matrix)


def test_verification_links_give_segnos_symbol_whichever_mask_wins():
    masks = set()
    for _ in range(120):
        url = f"https://academy.example/verify/{new_code()}"
        assert qr_matrix(url) == segno_matrix(url, "m")
        masks.add(segno.make(url, error="m", micro=False).mask)
    assert len(masks) >= 6  # the comparison covered (nearly) every mask


@pytest.mark.parametrize("error", ["l", "m", "q", "h"])
def test_other_sizes_and_error_levels_give_segnos_symbol(error):
    rng = random.Random(error)
    for length in [1, 20, 60, 150, 300, 600]:  # versions 1 to about 20: with version information from 7
        content = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef0123456789/:.-") for _ in range(length))
        assert qr_matrix(content, error=error) == segno_matrix(content, error)
