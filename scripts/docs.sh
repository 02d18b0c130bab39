#!/usr/bin/env bash
# Build the documentation into docs/_build/html (warnings are errors). Installs the
# project (scripts/setup.sh) and its docs extra once. Extra arguments go to
# sphinx-build, e.g. `bash scripts/docs.sh -D plot_gallery=0` skips running the
# gallery examples.
source "$(dirname "$0")/setup.sh"
if ! python -c "import sphinx, numpydoc, sphinx_gallery, pydata_sphinx_theme, matplotlib" \
        >/dev/null 2>&1; then
    python -m pip install -q -e ".[docs]"
fi
sphinx-build -W --keep-going -b html docs docs/_build/html "$@"
echo "Open docs/_build/html/index.html"
