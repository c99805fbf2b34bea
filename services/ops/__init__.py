"""Operations tooling: the live terminal view of the running pipeline."""
