"""CRC-16 and the soft-decision convolutional code of the watermark payload."""

import numpy as np
import pytest

from engine.nodes.ethics.ecc import (
    check_payload,
    coded_len,
    conv_encode,
    crc16,
    payload_bits,
    viterbi_decode,
)


def test_crc16_known_value():
    # CRC-16/CCITT-FALSE of ASCII "123456789" is 0x29B1.
    bits = np.unpackbits(np.frombuffer(b"123456789", dtype=np.uint8))
    assert crc16(bits) == 0x29B1


@pytest.mark.parametrize("payload_id", [0, 1, 0xABCDEF123456, (1 << 48) - 1])
def test_payload_round_trip_and_crc_rejects_a_flipped_bit(payload_id):
    bits = payload_bits(payload_id)
    assert bits.shape == (64,)
    assert check_payload(bits) == payload_id
    for i in (0, 30, 47, 50, 63):
        flipped = bits.copy()
        flipped[i] ^= 1
        assert check_payload(flipped) is None


def test_viterbi_decodes_noiseless_and_noisy_codewords():
    rng = np.random.default_rng(3)
    bits = payload_bits(0x123456789ABC)
    code = conv_encode(bits)
    assert code.shape == (coded_len(64),) == (210,)
    assert np.array_equal(viterbi_decode(1.0 - 2.0 * code), bits)
    # Es/N0 of 0 dB: about 16% raw bit errors, all corrected in most trials.
    n_ok, raw_err = 0, 0.0
    for _ in range(40):
        soft = 1.0 - 2.0 * code + rng.normal(0.0, 1.0, code.shape)
        raw_err += np.mean((soft < 0) != code) / 40
        n_ok += np.array_equal(viterbi_decode(soft), bits)
    assert raw_err > 0.1
    assert n_ok >= 36
