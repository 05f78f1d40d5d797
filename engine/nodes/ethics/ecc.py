"""Error correction for the watermark payload: CRC-16 and a soft-decision convolutional code.

The payload is a 48-bit id plus its CRC-16 (64 bits). It is protected by the
rate-1/3, constraint-length-7 convolutional code of LTE (generators 133, 171,
165 octal), terminated with 6 zero tail bits, and decoded with a soft-input
Viterbi decoder.

Why this code: the detector does not see hard bits but sums of many weak
correlations (cells x frames), so each coded bit arrives with its own
confidence. Viterbi uses those soft values directly, which is worth about 2 dB
over hard-decision block codes (BCH, Reed-Solomon) at the same rate; the code
is tiny (64 states, 70 steps) so decoding costs well under a millisecond in
NumPy. The CRC then rejects the rare mis-decoding and pushes the chance that
noise passes as a payload down by another factor 2**-16.
"""

from __future__ import annotations

import numpy as np

ID_BITS = 48
CRC_BITS = 16
PAYLOAD_BITS = ID_BITS + CRC_BITS
CONSTRAINT_LEN = 7
GENERATORS = (0o133, 0o171, 0o165)
N_STATES = 1 << (CONSTRAINT_LEN - 1)  # 64


def crc16(bits: np.ndarray) -> int:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF) of a bit string, MSB first.

    bits: (n,) of 0/1. Returns an int in [0, 65535].
    """
    crc = 0xFFFF
    for b in np.asarray(bits, dtype=np.uint8):
        top = (crc >> 15) & 1
        crc = (crc << 1) & 0xFFFF
        if top ^ int(b):
            crc ^= 0x1021
    return crc


def int_to_bits(value: int, n_bits: int) -> np.ndarray:
    """(n_bits,) uint8, most significant bit first."""
    return np.array([(value >> (n_bits - 1 - i)) & 1 for i in range(n_bits)], dtype=np.uint8)


def bits_to_int(bits: np.ndarray) -> int:
    """Inverse of int_to_bits."""
    value = 0
    for b in np.asarray(bits, dtype=np.uint8):
        value = (value << 1) | int(b)
    return value


def payload_bits(payload_id: int) -> np.ndarray:
    """The 64 payload bits for a 48-bit id: id (MSB first) then CRC-16 of the id bits."""
    id_bits = int_to_bits(payload_id, ID_BITS)
    return np.concatenate([id_bits, int_to_bits(crc16(id_bits), CRC_BITS)])


def check_payload(bits: np.ndarray) -> int | None:
    """The 48-bit id if the CRC of 64 payload bits checks, else None."""
    bits = np.asarray(bits, dtype=np.uint8)
    if crc16(bits[:ID_BITS]) != bits_to_int(bits[ID_BITS:]):
        return None
    return bits_to_int(bits[:ID_BITS])


def _parity(x: int) -> int:
    return bin(x).count("1") & 1


def _trellis() -> tuple[np.ndarray, np.ndarray]:
    """prev_state (64, 2) and output signs (64, 2, 3) for each next state and branch.

    A state holds the last 6 input bits, newest in bit 0. Next state ns is reached
    from the two states (ns >> 1) | (m << 5), m in {0, 1}, with input bit ns & 1.
    The sign is +1 for a coded 0 and -1 for a coded 1 (BPSK).
    """
    prev = np.zeros((N_STATES, 2), dtype=np.int64)
    sign = np.zeros((N_STATES, 2, len(GENERATORS)), dtype=np.float64)
    for ns in range(N_STATES):
        for m in range(2):
            s = (ns >> 1) | (m << (CONSTRAINT_LEN - 2))
            reg = (s << 1) | (ns & 1)
            prev[ns, m] = s
            for k, g in enumerate(GENERATORS):
                sign[ns, m, k] = 1.0 - 2.0 * _parity(reg & g)
    return prev, sign


_PREV, _SIGN = _trellis()


def conv_encode(bits: np.ndarray) -> np.ndarray:
    """Rate-1/3 K=7 convolutional code, terminated.

    bits: (n,) of 0/1. Returns (3 * (n + 6),) uint8 coded bits.
    """
    bits = np.concatenate(
        [np.asarray(bits, dtype=np.uint8), np.zeros(CONSTRAINT_LEN - 1, np.uint8)]
    )
    out = np.zeros((len(bits), len(GENERATORS)), dtype=np.uint8)
    state = 0
    for t, b in enumerate(bits):
        reg = (state << 1) | int(b)
        for k, g in enumerate(GENERATORS):
            out[t, k] = _parity(reg & g)
        state = reg & (N_STATES - 1)
    return out.reshape(-1)


def coded_len(n_bits: int) -> int:
    """Number of coded bits conv_encode makes from n_bits bits."""
    return len(GENERATORS) * (n_bits + CONSTRAINT_LEN - 1)


def viterbi_decode(soft: np.ndarray) -> np.ndarray:
    """Soft-decision Viterbi decoding of conv_encode's output.

    soft: (3 * (n + 6),) float, positive for a likely 0, negative for a likely 1,
    magnitude proportional to confidence (e.g. a log-likelihood ratio or a
    correlation sum). Returns the (n,) uint8 most likely input bits.
    """
    soft = np.asarray(soft, dtype=np.float64).reshape(-1, len(GENERATORS))
    n_steps = soft.shape[0]
    metric = np.full(N_STATES, -np.inf)
    metric[0] = 0.0  # the encoder starts in state 0
    choice = np.zeros((n_steps, N_STATES), dtype=np.int8)
    for t in range(n_steps):
        cand = metric[_PREV] + _SIGN @ soft[t]  # (64, 2) path metric through each branch
        best = np.argmax(cand, axis=1)
        choice[t] = best
        metric = cand[np.arange(N_STATES), best]
    state = 0  # the tail bits bring it back to state 0
    bits = np.zeros(n_steps, dtype=np.uint8)
    for t in range(n_steps - 1, -1, -1):
        bits[t] = state & 1
        state = _PREV[state, choice[t, state]]
    return bits[: n_steps - (CONSTRAINT_LEN - 1)]
