#!/usr/bin/env python3
"""Regenerate all_types.gguf + all_types.expected.json (run: python3 make_fixtures.py).

Reference values come from gguf-py (pip package `gguf`): the file is written with
GGUFWriter and every expected value is gguf.quants.dequantize() of the exact bytes
written. gguf-py cannot *quantize* Q4_K/Q5_K/Q6_K, so those blocks are produced by the
small numpy quantizers below (simplified ports of ggml's reference quantizers); their
expected values still come from gguf-py's dequantizer.
"""
import json
from importlib.metadata import version
from pathlib import Path

import numpy as np
import gguf
from gguf import GGMLQuantizationType as T, GGUFValueType as V

HERE = Path(__file__).resolve().parent
GGUF_PATH, JSON_PATH = HERE / "all_types.gguf", HERE / "all_types.expected.json"
NE0, NE1 = 512, 2  # GGUF order: ne0 = elements per row, ne1 = rows

METADATA = [  # (key, value, GGUF type, JSON value)
    ("test.uint8", 200, V.UINT8, 200),
    ("test.int8", -100, V.INT8, -100),
    ("test.uint16", 65000, V.UINT16, 65000),
    ("test.int16", -12345, V.INT16, -12345),
    ("test.uint32", 4000000000, V.UINT32, 4000000000),
    ("test.int32", -2000000000, V.INT32, -2000000000),
    ("test.float32", -3.1415927, V.FLOAT32, float(f"{np.float32(-3.1415927):.9g}")),
    ("test.bool", True, V.BOOL, True),
    ("test.string", "Milton’s Æ", V.STRING, "Milton’s Æ"),
    # 64-bit integers exceed 2^53, so JSON stores them as decimal strings.
    ("test.uint64", 0xFEDCBA9876543210, V.UINT64, str(0xFEDCBA9876543210)),
    ("test.int64", -0x123456789ABCDEF0, V.INT64, str(-0x123456789ABCDEF0)),
    ("test.float64", -2.718281828459045, V.FLOAT64, -2.718281828459045),
    ("test.array_int32", [1, -2, 3, -2147483648, 2147483647], V.ARRAY, [1, -2, 3, -2147483648, 2147483647]),
    ("test.array_string", ["alpha", "", "Milton’s Æ", "日本語"], V.ARRAY, ["alpha", "", "Milton’s Æ", "日本語"]),
]
SUBTYPE = {"test.array_int32": V.INT32, "test.array_string": V.STRING}


def f16(x):
    return np.asarray(x, np.float32).astype(np.float16)


def cat(*parts):  # concatenate per-block byte fields -> (n_blocks, type_size) uint8
    return np.concatenate([np.ascontiguousarray(p).view(np.uint8).reshape(len(p), -1) for p in parts], axis=1)


def quantize_qk_min(x, qmax):
    """Q4_K (qmax=15) / Q5_K (qmax=31): 8 sub-blocks of 32, 6-bit scales and mins."""
    sub = x.reshape(-1, 8, 32)
    mn, mx = np.minimum(sub.min(-1), 0), sub.max(-1)
    scale, mins = (mx - mn) / qmax, -mn
    d, dmin = f16(scale.max(-1) / 63), f16(mins.max(-1) / 63)
    df, dminf = d.astype(np.float32)[:, None], dmin.astype(np.float32)[:, None]
    sc = np.clip(np.round(np.divide(scale, df, out=np.zeros_like(scale), where=df > 0)), 0, 63).astype(np.uint8)
    m = np.clip(np.round(np.divide(mins, dminf, out=np.zeros_like(mins), where=dminf > 0)), 0, 63).astype(np.uint8)
    eff_s, eff_m = (df * sc)[..., None], (dminf * m)[..., None]
    q = np.clip(np.round(np.divide(sub + eff_m, eff_s, out=np.zeros_like(sub), where=eff_s > 0)), 0, qmax)
    q = q.astype(np.uint8).reshape(-1, 256)
    scales = np.concatenate([sc[:, :4] | ((sc[:, 4:] >> 4) << 6),
                             m[:, :4] | ((m[:, 4:] >> 4) << 6),
                             (sc[:, 4:] & 0xF) | ((m[:, 4:] & 0xF) << 4)], axis=1)
    lo = (q & 0xF).reshape(-1, 4, 2, 32)
    qs = (lo[:, :, 0] | (lo[:, :, 1] << 4)).reshape(-1, 128)
    if qmax == 15:
        return cat(d, dmin, scales, qs)
    hi = (q >> 4).reshape(-1, 8, 32)
    qh = sum(hi[:, i] << i for i in range(8)).astype(np.uint8)
    return cat(d, dmin, scales, qh, qs)


def quantize_q6_k(x):
    """Q6_K: 16 sub-blocks of 16, signed int8 scales (usually negative, as in ggml)."""
    sub = x.reshape(-1, 16, 16)
    s = -np.take_along_axis(sub, np.abs(sub).argmax(-1)[..., None], -1)[..., 0] / 32
    big = np.take_along_axis(s, np.abs(s).argmax(-1)[:, None], -1)
    d = f16(-big[:, 0] / 128)
    df = d.astype(np.float32)[:, None]
    sc = np.clip(np.round(np.divide(s, df, out=np.zeros_like(s), where=df != 0)), -128, 127).astype(np.int8)
    eff = (df * sc)[..., None]
    q = np.clip(np.round(np.divide(sub, eff, out=np.zeros_like(sub), where=eff != 0)), -32, 31)
    q = (q + 32).astype(np.uint8).reshape(-1, 256)
    lo, hi = (q & 0xF).reshape(-1, 2, 2, 64), (q >> 4).reshape(-1, 2, 4, 32)
    ql = (lo[:, :, 0] | (lo[:, :, 1] << 4)).reshape(-1, 128)
    qh = sum(hi[:, :, k] << (2 * k) for k in range(4)).astype(np.uint8).reshape(-1, 64)
    return cat(ql, qh, sc, d)


def quantize(x, qtype):
    if qtype in (T.Q4_K, T.Q5_K):
        return quantize_qk_min(x, 15 if qtype == T.Q4_K else 31).reshape(NE1, -1)
    if qtype == T.Q6_K:
        return quantize_q6_k(x).reshape(NE1, -1)
    return gguf.quants.quantize(x, qtype)  # F32/F16 = astype, BF16 + legacy quants = gguf-py


def main():
    rng = np.random.default_rng(1234)
    types = [T.F32, T.F16, T.BF16, T.Q8_0, T.Q4_0, T.Q4_1, T.Q5_0, T.Q5_1, T.Q4_K, T.Q5_K, T.Q6_K]
    tensors = {}
    for qtype in types:
        # row 0 ~ N(0,1); row 1 ~ N(0,1) + ramp -3..3 (sub-block minimums both < 0 and > 0)
        x = rng.standard_normal((NE1, NE0)).astype(np.float32)
        x[1] += np.linspace(-3, 3, NE0, dtype=np.float32)
        if qtype == T.F16:   # zero, -zero, f16 subnormal, f16 max
            x[0, :4] = [0.0, -0.0, 1e-6, 65504.0]
        if qtype == T.BF16:  # zero, -zero, f32/bf16 subnormal, large
            x[0, :4] = [0.0, -0.0, 1e-39, 3e38]
        data = quantize(x, qtype)
        values = gguf.quants.dequantize(data, qtype).astype(np.float32)
        assert values.shape == (NE1, NE0)
        err, ref = (values - x).astype(np.float64), x.astype(np.float64)
        rel_rms = np.sqrt(np.mean(err ** 2) / np.mean(ref ** 2))
        print(f"{qtype.name:5s} bytes={data.nbytes:5d} rel_rms_err={rel_rms:.4f}")
        assert rel_rms < 0.15, "quantizer sanity check failed"
        tensors[qtype.name.lower()] = (qtype, data, values)

    w = gguf.GGUFWriter(GGUF_PATH, "llama")
    for key, val, vtype, _ in METADATA:
        w.add_key_value(key, val, vtype, sub_type=SUBTYPE.get(key))
    for name, (qtype, data, _) in tensors.items():
        w.add_tensor(name, data, raw_dtype=qtype)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()

    # Read back with gguf-py and check types, shapes, offsets, data and metadata.
    r = gguf.GGUFReader(GGUF_PATH)
    assert r.alignment == 32 and r.data_offset % 32 == 0
    expected_offset = r.data_offset
    out = {"gguf_py_version": version("gguf"),
           "alignment": r.alignment, "tensor_data_start": r.data_offset, "tensors": {}}
    for t, (name, (qtype, data, values)) in zip(r.tensors, tensors.items()):
        assert t.name == name and t.tensor_type == qtype, (t.name, t.tensor_type)
        assert list(t.shape) == [NE0, NE1] and t.n_elements == NE0 * NE1
        assert t.data_offset == expected_offset and t.n_bytes == data.nbytes
        expected_offset += -(-data.nbytes // 32) * 32
        assert np.array_equal(np.asarray(t.data).view(np.uint8).reshape(-1), data.view(np.uint8).reshape(-1))
        got = gguf.quants.dequantize(np.asarray(t.data), qtype).reshape(-1)
        assert np.array_equal(got, values.reshape(-1), equal_nan=True)
        out["tensors"][name] = {"type": qtype.name, "ne": [NE0, NE1], "offset": t.data_offset,
                                "nbytes": t.n_bytes,
                                "values": [float(f"{v:.9g}") for v in values.reshape(-1)]}
    for key, val, vtype, _ in METADATA:
        f = r.fields[key]
        got = f.contents()
        if vtype == V.FLOAT32:
            assert got == float(np.float32(val))
        else:
            assert got == val, (key, got, val)
        assert f.types[0] == vtype
    assert r.fields["test.array_int32"].types == [V.ARRAY, V.INT32]
    out["metadata"] = {key: j for key, _, _, j in METADATA}
    JSON_PATH.write_text(json.dumps(out, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")

    # The JSON (9 significant digits) must round-trip every value to float32 exactly.
    back = json.loads(JSON_PATH.read_text(encoding="utf-8"))
    for name, (_, _, values) in tensors.items():
        assert np.array_equal(np.array(back["tensors"][name]["values"], np.float32), values.reshape(-1))
    print("ok:", GGUF_PATH.name, GGUF_PATH.stat().st_size, "bytes;", JSON_PATH.name, JSON_PATH.stat().st_size, "bytes")


if __name__ == "__main__":
    main()
