"""Typed settings read from the environment (prefix ``ACORN_``) and a development ``.env`` file."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_REPO_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Gateway settings; build one in ``create_app()`` or the CLI, never at import time."""

    model_config = SettingsConfigDict(env_prefix="ACORN_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default=Path("./acorn-data"), description="Where SQLite, archives and dev keys live.")
    database_url: str = Field(default="", description="SQLAlchemy URL; default is SQLite under data_dir.")
    partners_dir: Path = Field(default=_REPO_ROOT / "partners", description="Partner profiles directory.")
    maps_dir: Path = Field(default=_REPO_ROOT / "maps", description="Grammars and base mapping files.")
    environment: str = Field(default="development", description="development or production.")
    public_url: str = Field(default="http://127.0.0.1:8080", description="Base URL partners reach us at.")
    session_secret: SecretStr = Field(default=SecretStr(""), description="Signs UI sessions; generated if empty.")
    max_as2_body_bytes: int = 50 * 1024 * 1024
    max_decompressed_bytes: int = 200 * 1024 * 1024
    max_api_body_bytes: int = 10 * 1024 * 1024
    retention_days: int = 0
    log_level: str = "INFO"

    @model_validator(mode="after")
    def _default_database(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{(self.data_dir / 'acorn.db').resolve()}"
        return self

    @property
    def is_production(self) -> bool:
        return self.environment.lower() == "production"
