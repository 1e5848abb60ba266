"""Re-record the outputs that nbval checks: ``python -m tests.record_outputs chapters/*.ipynb``.

Executes each notebook, then keeps the text outputs of the cells tagged
``nbval-check-output`` (nbval compares them) and strips every other output (figures and
explorables are rebuilt at build time, so the repository stays small).
Run it after a deliberate change to a chapter's key numbers, and review the
diff: it is the regression baseline.
"""
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

TAG = "nbval-check-output"


def record(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        cell.metadata.pop("execution", None)  # timestamps: noise in the diff
        checked = TAG in cell.metadata.get("tags", [])
        cell.outputs = [strip_count(o) for o in cell.outputs if o.output_type == "stream"] if checked else []
        if not checked:
            cell.execution_count = None  # nbval treats a cell with outputs but no count as unrun
    nb.metadata.pop("widgets", None)
    nbformat.write(nb, path)
    print(f"recorded {path}")


def strip_count(output):
    output.pop("execution_count", None)
    return output


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        record(Path(arg))
