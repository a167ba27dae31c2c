import os

# scikit-learn runs its array-API check (NumPy inputs with array_api_dispatch on) only when
# this is set; it reads the variable when the check runs.
os.environ.setdefault("SCIPY_ARRAY_API", "1")
