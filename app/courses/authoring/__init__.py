"""Editing a course folder in memory and writing it back: the Qt-free core of the authoring editor.

A ``CourseDraft`` holds every file of a course: YAML as ruamel round-trip documents
(parsed on first use; comments, key order and quoting survive a save), Markdown as text, images and other
files by reference to where their bytes are. Structural edits (modules, steps, images)
and field edits change the draft only; ``save`` writes the files that changed, each
atomically (temporary file + ``os.replace``), and removes the files the draft dropped.
Files that were not changed are never rewritten.

Undo support: ``snapshot()``/``restore()`` are cheap (a dict of entries). Structural and
list operations replace the documents they change by copies (copy-on-write), so older
snapshots stay valid; ``set_value``/``delete_value`` change a document in place and are
undone by setting the old value back, which an undo stack does in order.

Modules: ``common`` (errors, ids, versions), ``yamldoc`` (round-trip YAML, file entries),
``files`` (values, lists, saving), ``draft`` (modules and steps), ``templates`` (new
content), ``tools`` (problem pointers, scratch copies and validation, copying a course).
"""

from app.courses.authoring.common import (
                                          COPY_SUFFIX,
                                          MISSING,
                                          STEP_TITLES,
                                          AuthoringError,
                                          BumpPart,
                                          bump_version,
                                          check_id,
                                          localized,
                                          unique_id,
)
from app.courses.authoring.draft import CourseDraft
from app.courses.authoring.files import DraftFiles, write_atomic
from app.courses.authoring.templates import question_template, step_template
from app.courses.authoring.tools import Target, copy_course, resolve_pointer, validate_files, write_tree
from app.courses.authoring.yamldoc import (
                                          Entry,
                                          clone_doc,
                                          guess_indent,
                                          read_entry,
                                          split_pointer,
                                          to_plain,
                                          to_yaml,
                                          yaml_entry,
)

__all__ = [
    "COPY_SUFFIX", "MISSING", "STEP_TITLES", "AuthoringError", "BumpPart", "CourseDraft", "DraftFiles", "Entry",
    "Target", "bump_version", "check_id", "clone_doc", "copy_course", "guess_indent", "localized",
    "question_template", "read_entry", "resolve_pointer", "split_pointer", "step_template", "to_plain", "to_yaml",
    "unique_id", "validate_files", "write_atomic", "write_tree", "yaml_entry",
]
