import os

import papermill as pm


def main() -> None:
    src = os.environ.get("NOTEBOOK", "job.ipynb")
    pm.execute_notebook(src, "/tmp/output.ipynb", parameters={"run_id": os.environ.get("RUN_ID", "local")})


if __name__ == "__main__":
    main()
