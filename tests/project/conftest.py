from tests.rollback.conftest import make_project  # noqa: F401  (throwaway Django projects)
