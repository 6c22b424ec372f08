"""The README's layout block is a map of the repository: each top-level folder once, none invented."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_readme_layout_lists_each_top_level_folder_once_and_only_real_ones():
    layout = re.search(r"## Layout\n\n```\n(.*?)```", (ROOT / "README.md").read_text(), re.S).group(1)
    folders = re.findall(r"^([\w.-]+)/", layout, re.M)

    assert len(folders) == len(set(folders)), folders
    assert all((ROOT / folder).is_dir() for folder in folders), folders
