"""Built-in datasets and validated reading of user files.

Everything here returns plain numeric arrays (float64 tables; images kept as uint8 until the
ones used are chosen, see :class:`ImageSet`) or raises :class:`DataError`, whose message is
written for a person: what is wrong and what to do about it, whatever the bytes. Nothing here needs the
network: the built-in datasets ship with scikit-learn or are generated from a seed.

One module per subject:

- :mod:`.builtin`: the built-in datasets (:func:`load_builtin`, :func:`digits_split`);
- :mod:`.sources`: the bytes behind a path, bytes or an upload, with size caps and gzip;
- :mod:`.tables`: CSV-like tables of numbers (:func:`read_table`, :func:`inspect_table`);
- :mod:`.images`: MNIST-format images (:func:`read_images`, :func:`read_idx_pair`);
- :mod:`.export`: CSV downloads that are safe to open in a spreadsheet (:func:`to_safe_csv`).
"""

from engine.errors import DataError

from .builtin import (
    BUILTIN_IMAGE_SHAPES,
    BUILTIN_KINDS,
    BUILTIN_LABELS,
    BUILTIN_NAMES,
    DIGITS_INK_THRESHOLD,
    Dataset,
    digits_split,
    load_builtin,
)
from .export import escape_csv_cell, to_safe_csv
from .images import (
    MAX_IMAGE_SIDE,
    MAX_IMAGES,
    MIN_IMAGE_SIDE,
    ImageSet,
    read_idx_pair,
    read_images,
)
from .sources import MAX_IMAGE_BYTES, MAX_TABLE_BYTES
from .tables import (
    MAX_ABS_VALUE,
    MAX_COLUMNS,
    TableReport,
    align_columns,
    inspect_table,
    read_table,
)

__all__ = [
    "BUILTIN_IMAGE_SHAPES",
    "BUILTIN_KINDS",
    "BUILTIN_LABELS",
    "BUILTIN_NAMES",
    "DIGITS_INK_THRESHOLD",
    "MAX_ABS_VALUE",
    "MAX_COLUMNS",
    "MAX_IMAGES",
    "MAX_IMAGE_BYTES",
    "MAX_IMAGE_SIDE",
    "MAX_TABLE_BYTES",
    "MIN_IMAGE_SIDE",
    "DataError",
    "Dataset",
    "ImageSet",
    "TableReport",
    "align_columns",
    "digits_split",
    "escape_csv_cell",
    "inspect_table",
    "load_builtin",
    "read_idx_pair",
    "read_images",
    "read_table",
    "to_safe_csv",
]
