"""Keep the README true: every setting the code reads is in its table."""

from pathlib import Path

from dwp.platform.settings import Settings

README = (Path(__file__).parents[2] / "README.md").read_text()


def test_every_setting_is_documented_in_the_readme() -> None:
    for name, field in Settings.model_fields.items():
        variable = (field.alias or name).upper()
        assert f"`{variable}`" in README, f"{variable} is missing from the README's table of settings"


def test_readme_gives_the_two_commands() -> None:
    assert "make run" in README
    assert "make test" in README
