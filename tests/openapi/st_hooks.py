"""Schemathesis hooks for scripts/schemathesis.sh: the check
`explained_rejection`, which takes the place of Schemathesis's
positive_data_acceptance.

A request that fits docs/openapi.yaml may still be refused for reasons a
JSON Schema cannot state. Each such reason is listed below with why the
schema cannot say it, as the pattern of the error line the server answers
(every error is {"error": "..."}); a schema-valid request refused with any
other line fails the run, so every rejection is explained or the document
(or the server) is fixed."""
import re

import schemathesis

EXPLAINED = [
    # The parts are `format: binary`; whether their bytes form a .npy file
    # or image of the right rank, size and values (finite, within float32)
    # is the parts' content, which no schema describes.
    (r"^(input|kernel|kdepth|kcol|krow|part '(input|kernel|kdepth|kcol|krow)'): ",
     "content of a binary part"),
    # OpenAPI 3.0 cannot tie a query parameter to the body: a kernel is
    # the `kernel` part, or the `kcol` and `krow` parts (with `kdepth` for
    # conv3d), or the `kernel` query parameter, exactly one of them.
    (r"^give the kernel as a part or as the query parameter kernel=PRESET, not both$",
     "kernel given twice"),
    (r"^give either part 'kernel' or parts ('kdepth', )?'kcol' and 'krow', not both$",
     "kernel given twice"),
    (r"^missing part '(kernel|kdepth|kcol|krow)'$", "no kernel given"),
    # The preset's parameter ranges are in the description, not a pattern.
    (r"^preset '.*': ", "preset parameter out of range"),
    (r"^'.*' is not a (1-D |2-D )?kernel preset", "unknown preset"),
    # SPECs are strings in the SPEC language of `clconv dist`, whose
    # probabilities must sum to 1 (within 1e-9) unless normalize is true.
    (r"^spec '.*': ", "SPEC content"),
    # A trim threshold above every entry of the result leaves nothing;
    # which threshold that is depends on the SPECs.
    (r"value out of range: every entry lies below the trim threshold", "trim removes all"),
    # The server's --max-elements (2^27 by default) bounds arrays and
    # results; sizes follow from the data, not from the schema.
    (r"over the server's limit of \d+", "result over --max-elements"),
    # Query parameters that depend on another or on the data, which OpenAPI
    # cannot state: a boundary mode only with mode=same, origin and cval only
    # with a boundary mode, origin within the kernel's extent, axis within
    # the array's rank, axis for conv1d only and not with batch.
    (r"^boundary=\w+ keeps the input's shape", "boundary with mode full or valid"),
    (r"^(origin|cval|axis)\b", "origin, cval or axis against other parameters or the data"),
    (r"^give axis\b", "axis together with batch"),
    # out_dtype against the inputs' dtypes (a complex result needs a complex
    # input, a complex job a complex result, a "same" a storable input) and
    # against precision: the parts' content and another parameter.
    (r"^out_dtype=\w+(: | asks for)", "out_dtype against the inputs or precision"),
    # An image part is real: a complex kernel part with it is refused.
    (r"an image is real, and a complex kernel", "image with a complex kernel"),
    # A count is a SPEC or a family with its parameters, as `clconv dist
    # --count` takes it; its content is checked like a SPEC's.
    (r"^(--)?count '.*': ", "count content"),
]


@schemathesis.check
def explained_rejection(ctx, response, case):
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return None
    if response.status_code < 400 or response.status_code in (401, 503):
        return None
    try:
        error = response.json()["error"]
    except Exception:
        error = response.text[:200]
    for pattern, _why in EXPLAINED:
        if re.search(pattern, str(error), re.DOTALL):
            return None
    raise AssertionError(f"schema-valid request rejected, and tests/openapi/st_hooks.py "
                         f"does not explain why: {response.status_code} {error!r}")
