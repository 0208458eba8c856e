"""Window geometry of TensorFlow's 2-D windowed ops (convolutions and pooling), in numpy.

Attribute parsing (padding, data format, strides/dilations, explicit paddings, pooling
windows), output sizes with TF's padding split (``GetWindowedOutputSizeVerbose``), the
static output shapes that shape inference uses (``None`` for unknown dims), and
``Geometry``: one op's sizes in NHWC with the padded, windowed and col2im views that the
convolution (``conv``), DFT (``dft``) and pooling (``pool``) kernels share. Invalid
arguments raise ``ValueError`` in TensorFlow's wording; callers wrap it into
``InvalidArgumentError``.
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided


# ----------------------------------------------------------------------------------------
# attribute helpers
# ----------------------------------------------------------------------------------------

def as_str(value) -> str:
    """An attr value as ``str`` (bytes decoded as ASCII)."""
    if isinstance(value, (bytes, bytearray)):
        return value.decode("ascii")
    return str(value)


def normalize_padding(padding) -> str:
    """``padding`` upper-cased, checked to be SAME, VALID or EXPLICIT."""
    p = as_str(padding).upper()
    if p not in ("SAME", "VALID", "EXPLICIT"):
        raise ValueError(f"padding must be one of 'SAME', 'VALID' or 'EXPLICIT', got {padding!r}")
    return p


def normalize_format(data_format) -> str:
    """``data_format`` (default NHWC) upper-cased, checked to be NHWC or NCHW."""
    f = as_str(data_format or "NHWC").upper()
    if f not in ("NHWC", "NCHW"):
        raise ValueError(f"data_format must be 'NHWC' or 'NCHW', got {data_format!r}")
    return f


def _spatial_pair(values, data_format: str, name: str, allow_2: bool = True,
                  default=None, check_outer: bool = True) -> tuple[int, int]:
    """(h, w) of a 4-element attribute in ``data_format`` order (or a 2-element one)."""
    if values is None or (default is not None and len(values) == 0):
        values = default
    vals = [int(v) for v in values]
    if len(vals) == 4:
        if data_format == "NHWC":
            n, h, w, c = vals
        else:
            n, c, h, w = vals
        if check_outer and (n != 1 or c != 1):
            raise ValueError(
                f"{name} in the batch and depth dimensions must be 1, got {vals} "
                f"(data_format {data_format})")
    elif len(vals) == 2 and allow_2:
        h, w = vals
    else:
        raise ValueError(f"{name} must have 4 elements, got {vals}")
    return h, w


def strides_dilations(strides, dilations, data_format):
    """``(sh, sw, dh, dw)`` from 4-element (or 2-element) attrs, checked positive."""
    sh, sw = _spatial_pair(strides, data_format, "strides")
    dh, dw = _spatial_pair(dilations, data_format, "dilations", default=(1, 1, 1, 1))
    if sh <= 0 or sw <= 0:
        raise ValueError(f"strides must be positive, got {list(strides)}")
    if dh <= 0 or dw <= 0:
        raise ValueError(f"dilations must be positive, got {list(dilations)}")
    return sh, sw, dh, dw


def explicit_pairs(padding: str, explicit_paddings, data_format: str):
    """((top, bottom), (left, right)) from TF's flat ``explicit_paddings`` list."""
    ep = [int(v) for v in (explicit_paddings or ())]
    if padding != "EXPLICIT":
        if ep:
            raise ValueError("explicit_paddings must be empty unless padding is 'EXPLICIT', "
                             f"got {ep} with padding {padding!r}")
        return (0, 0), (0, 0)
    if len(ep) != 8:
        raise ValueError("explicit_paddings must contain 8 values (a before/after pair per "
                         f"dimension) when padding is 'EXPLICIT', got {len(ep)}: {ep}")
    if any(v < 0 for v in ep):
        raise ValueError(f"All elements of explicit_paddings must be nonnegative, got {ep}")
    pairs = [(ep[2 * i], ep[2 * i + 1]) for i in range(4)]
    if data_format == "NHWC":
        n, h, w, c = pairs
    else:
        n, c, h, w = pairs
    if n != (0, 0) or c != (0, 0):
        raise ValueError("explicit_paddings for the batch and depth dimensions must be 0, "
                         f"got {ep} (data_format {data_format})")
    return h, w


def to_nhwc(x, data_format: str):
    """An NHWC view of ``x``."""
    return x if data_format == "NHWC" else x.transpose(0, 2, 3, 1)


def from_nhwc(y, data_format: str):
    """``y`` (NHWC) in ``data_format``, contiguous."""
    if data_format == "NHWC":
        return np.ascontiguousarray(y)
    return np.ascontiguousarray(y.transpose(0, 3, 1, 2))


def shape_to_nhwc(shape, data_format: str):
    """A 4-D shape in ``data_format`` order, reordered to NHWC."""
    n, a, b, c = shape
    return (n, a, b, c) if data_format == "NHWC" else (n, b, c, a)


def compute_dtype(dtype) -> np.dtype:
    """float16/bfloat16 are computed in float32; everything else in its own type."""
    dtype = np.dtype(dtype)
    if dtype.name in ("float16", "bfloat16"):
        return np.dtype(np.float32)
    return dtype


def check_rank(x, rank: int, name: str):
    """Raises ValueError unless ``x`` has ``rank`` dimensions."""
    if x.ndim != rank:
        raise ValueError(f"{name} must be {rank}-dimensional, got shape {list(x.shape)}")


def pool_window(ksize, strides, fmt):
    """((kh, kw, kdepth), (sh, sw, sdepth)) with TF's restrictions checked."""
    def four(v, name):
        vals = [int(a) for a in v]
        if len(vals) == 2:
            vals = [1, vals[0], vals[1], 1] if fmt == "NHWC" else [1, 1, vals[0], vals[1]]
        if len(vals) != 4:
            raise ValueError(f"Sliding window {name} field must specify 4 dimensions, got {vals}")
        return vals if fmt == "NHWC" else [vals[0], vals[2], vals[3], vals[1]]
    k = four(ksize, "ksize")
    s = four(strides, "strides")
    if any(v <= 0 for v in k):
        raise ValueError(f"Sliding window ksize must be positive, got {list(ksize)}")
    if any(v <= 0 for v in s):
        raise ValueError(f"Sliding window stride must be positive, got {list(strides)}")
    if k[0] != 1 or s[0] != 1:
        raise ValueError("Pooling is not yet supported on the batch dimension.")
    if k[3] != 1 or s[3] != 1:
        if k[3] != s[3]:
            raise ValueError("Depthwise max pooling requires the depth window to equal the "
                             "depth stride.")
        if k[1] != 1 or k[2] != 1 or s[1] != 1 or s[2] != 1:
            raise ValueError("MaxPooling supports exactly one of pooling across depth or "
                             "pooling across width/height.")
    return (k[1], k[2], k[3]), (s[1], s[2], s[3])


# ----------------------------------------------------------------------------------------
# output-size arithmetic (shared by kernels and static shape inference)
# ----------------------------------------------------------------------------------------

def windowed_output_size_and_padding(in_size: int, k: int, stride: int, dilation: int = 1,
                                     padding="VALID", pad_before: int = 0,
                                     pad_after: int = 0) -> tuple[int, int, int]:
    """TF's ``GetWindowedOutputSizeVerbose``: ``(output_size, pad_before, pad_after)``.

    SAME: ``out = ceil(in / stride)``, ``pad_total = max((out-1)*stride + eff_k - in, 0)``
    split as ``pad_before = pad_total // 2`` (the extra one goes after).  VALID/EXPLICIT:
    ``out = (in + pads - eff_k) // stride + 1``; an effective window larger than the (padded)
    input raises ``ValueError`` (TF's "Negative dimension size" error).
    """
    padding = normalize_padding(padding)
    in_size, k, stride, dilation = int(in_size), int(k), int(stride), int(dilation)
    if stride <= 0:
        raise ValueError(f"Stride must be > 0, but got {stride}")
    if dilation <= 0:
        raise ValueError(f"Dilation rate must be >= 1, but got {dilation}")
    if k < 0 or in_size < 0:
        raise ValueError(f"sizes must be non-negative, got input {in_size} and window {k}")
    eff = (k - 1) * dilation + 1 if k > 0 else 0
    if padding == "SAME":
        out = (in_size + stride - 1) // stride
        total = max((out - 1) * stride + eff - in_size, 0)
        return out, total // 2, total - total // 2
    if padding == "VALID":
        pad_before = pad_after = 0
    elif pad_before < 0 or pad_after < 0:
        raise ValueError(f"explicit paddings must be nonnegative, got {pad_before}, {pad_after}")
    padded = in_size + pad_before + pad_after
    if padded < eff:
        what = "filter" if dilation == 1 else f"dilated filter (size {k}, dilation {dilation})"
        raise ValueError(
            f"Negative dimension size caused by subtracting {eff} from {padded}: the "
            f"effective {what} size {eff} is larger than the {padding.lower()}-padded input "
            f"size {padded}")
    return (padded - eff) // stride + 1, pad_before, pad_after


def conv_output_size(in_size, k, stride, dilation=1, padding="VALID", pad_before=0,
                     pad_after=0):
    """Output length of one spatial dimension; ``None`` when ``in_size`` (or, for
    VALID/EXPLICIT, ``k``) is unknown.  Invalid stride/dilation/size raise ``ValueError``."""
    padding = normalize_padding(padding)
    if stride is None or int(stride) <= 0:
        raise ValueError(f"Stride must be > 0, but got {stride}")
    if dilation is None or int(dilation) <= 0:
        raise ValueError(f"Dilation rate must be >= 1, but got {dilation}")
    if in_size is None or in_size < 0:
        return None
    if padding == "SAME":
        return (int(in_size) + int(stride) - 1) // int(stride)
    if k is None or k < 0:
        return None
    return windowed_output_size_and_padding(in_size, k, stride, dilation, padding,
                                            pad_before, pad_after)[0]


def _known(v):
    return None if v is None or (isinstance(v, (int, np.integer)) and v < 0) else int(v)


def _shape_list(shape, rank: int, name: str):
    if shape is None:
        return [None] * rank
    dims = [_known(d) for d in shape]
    if len(dims) != rank:
        raise ValueError(f"{name} must be rank {rank}, got shape {list(shape)}")
    return dims


def _spatial_output_shape(in_nhwc, kh, kw, sh, sw, dh, dw, padding, pads_h, pads_w):
    ho = conv_output_size(in_nhwc[1], kh, sh, dh, padding, *pads_h)
    wo = conv_output_size(in_nhwc[2], kw, sw, dw, padding, *pads_w)
    return ho, wo


def conv2d_output_shape(input_shape, filter_shape, strides, padding, data_format="NHWC",
                        dilations=(1, 1, 1, 1), explicit_paddings=()):
    """Static output shape of ``Conv2D`` (list with ``None`` for unknown dims)."""
    fmt = normalize_format(data_format)
    padding = normalize_padding(padding)
    sh, sw, dh, dw = strides_dilations(strides, dilations, fmt)
    pads_h, pads_w = explicit_pairs(padding, explicit_paddings, fmt)
    inp = shape_to_nhwc(_shape_list(input_shape, 4, "input"), fmt)
    kh, kw, fin, fout = _shape_list(filter_shape, 4, "filter")
    if inp[3] is not None and fin is not None:
        if fin == 0 or inp[3] % fin != 0:
            raise ValueError(f"Depth of input ({inp[3]}) is not a multiple of input depth of "
                             f"filter ({fin})")
        if fout is not None and fout % (inp[3] // fin) != 0:
            raise ValueError(f"Depth of output ({fout}) is not a multiple of the number of "
                             f"groups ({inp[3] // fin})")
    ho, wo = _spatial_output_shape(inp, kh, kw, sh, sw, dh, dw, padding, pads_h, pads_w)
    out = [inp[0], ho, wo, fout]
    return out if fmt == "NHWC" else [out[0], out[3], out[1], out[2]]


def depthwise_conv2d_output_shape(input_shape, filter_shape, strides, padding,
                                  data_format="NHWC", dilations=(1, 1, 1, 1),
                                  explicit_paddings=()):
    """Static output shape of ``DepthwiseConv2dNative`` (filter ``[kh, kw, in, mult]``)."""
    fmt = normalize_format(data_format)
    padding = normalize_padding(padding)
    sh, sw, dh, dw = strides_dilations(strides, dilations, fmt)
    pads_h, pads_w = explicit_pairs(padding, explicit_paddings, fmt)
    inp = shape_to_nhwc(_shape_list(input_shape, 4, "input"), fmt)
    kh, kw, fin, mult = _shape_list(filter_shape, 4, "filter")
    if inp[3] is not None and fin is not None and inp[3] != fin:
        raise ValueError(f"input and filter must have the same depth: {inp[3]} vs {fin}")
    depth = inp[3] if inp[3] is not None else fin
    ho, wo = _spatial_output_shape(inp, kh, kw, sh, sw, dh, dw, padding, pads_h, pads_w)
    cout = None if depth is None or mult is None else depth * mult
    out = [inp[0], ho, wo, cout]
    return out if fmt == "NHWC" else [out[0], out[3], out[1], out[2]]


def pool_output_shape(input_shape, ksize, strides, padding, data_format="NHWC",
                      explicit_paddings=()):
    """Static output shape of ``MaxPool``/``AvgPool`` (list with ``None`` for unknown dims)."""
    fmt = normalize_format(data_format)
    padding = normalize_padding(padding)
    inp = shape_to_nhwc(_shape_list(input_shape, 4, "input"), fmt)
    (kh, kw, kd), (sh, sw, _) = pool_window(ksize, strides, fmt)
    pads_h, pads_w = explicit_pairs(padding, explicit_paddings, fmt)
    ho, wo = _spatial_output_shape(inp, kh, kw, sh, sw, 1, 1, padding, pads_h, pads_w)
    c = inp[3]
    if kd != 1:
        if c is not None and c % kd != 0:
            raise ValueError(f"Depthwise max pooling requires the depth window to evenly "
                             f"divide the input depth ({c} vs {kd})")
        c = None if c is None else c // kd
    out = [inp[0], ho, wo, c]
    return out if fmt == "NHWC" else [out[0], out[3], out[1], out[2]]


# ----------------------------------------------------------------------------------------
# the window geometry of one op and its NHWC views
# ----------------------------------------------------------------------------------------

class Geometry:
    """Geometry of a 2-D windowed op in NHWC."""
    __slots__ = ("N", "H", "W", "C", "kh", "kw", "sh", "sw", "dh", "dw", "Ho", "Wo",
                 "pt", "pb", "pl", "pr")

    def __init__(self, in_shape, kh, kw, sh, sw, dh, dw, padding, pads_h, pads_w):
        self.N, self.H, self.W, self.C = (int(d) for d in in_shape)
        self.kh, self.kw, self.sh, self.sw, self.dh, self.dw = kh, kw, sh, sw, dh, dw
        self.Ho, self.pt, self.pb = windowed_output_size_and_padding(
            self.H, kh, sh, dh, padding, *pads_h)
        self.Wo, self.pl, self.pr = windowed_output_size_and_padding(
            self.W, kw, sw, dw, padding, *pads_w)

    def replace(self, **changes) -> "Geometry":
        """A copy with some fields changed (e.g. ``N`` for a chunk of the batch)."""
        out = object.__new__(Geometry)
        for name in Geometry.__slots__:
            setattr(out, name, changes.get(name, getattr(self, name)))
        return out

    @property
    def padded_shape(self):
        return (self.N, self.H + self.pt + self.pb, self.W + self.pl + self.pr, self.C)

    @property
    def no_padding(self):
        return self.pt == self.pb == self.pl == self.pr == 0

    def tap_slices(self, i, j):
        """Slices of the padded input read by filter tap (i, j) for all output positions."""
        r0, c0 = i * self.dh, j * self.dw
        return (slice(None), slice(r0, r0 + (self.Ho - 1) * self.sh + 1, self.sh),
                slice(c0, c0 + (self.Wo - 1) * self.sw + 1, self.sw), slice(None))


def pad_input(x, g: Geometry, value=0):
    """``x`` padded to ``g.padded_shape`` with ``value`` (``x`` itself without padding)."""
    if g.no_padding:
        return x
    out = np.empty(g.padded_shape, dtype=x.dtype)
    if g.pt:
        out[:, :g.pt] = value
    if g.pb:
        out[:, g.pt + g.H:] = value
    if g.pl:
        out[:, g.pt:g.pt + g.H, :g.pl] = value
    if g.pr:
        out[:, g.pt:g.pt + g.H, g.pl + g.W:] = value
    out[:, g.pt:g.pt + g.H, g.pl:g.pl + g.W] = x
    return out


def window_view(xp, g: Geometry):
    """Read-only view (N, Ho, Wo, kh, kw, C) of the windows of the padded input."""
    s0, s1, s2, s3 = xp.strides
    return as_strided(xp, (g.N, g.Ho, g.Wo, g.kh, g.kw, g.C),
                      (s0, s1 * g.sh, s2 * g.sw, s1 * g.dh, s2 * g.dw, s3), writeable=False)


def unpad_input(xp, g: Geometry):
    """The unpadded interior of ``xp`` (contiguous)."""
    if g.no_padding:
        return xp
    return np.ascontiguousarray(xp[:, g.pt:g.pt + g.H, g.pl:g.pl + g.W])


def col2im(tap, g: Geometry, dtype):
    """Adjoint of the window view: sum ``tap(i, j)`` (N, Ho, Wo, C) into the padded input."""
    dxp = np.zeros(g.padded_shape, dtype=dtype)
    if g.Ho and g.Wo:
        for i in range(g.kh):
            for j in range(g.kw):
                dxp[g.tap_slices(i, j)] += tap(i, j)
    return unpad_input(dxp, g)
