"""What the API checks of one class member depend on in the class's other members.

jedi infers ``self.x`` in one method from the assignments to ``self.x`` in the
others, and ``self.helper()`` from the helper's signature, decorators and what it
returns. A member's cached API findings therefore stay valid while those parts of
its siblings (and the class header) are unchanged: typing inside a sibling's body
re-checks only the edited member, not the whole class. Keying on the siblings'
full text instead re-ran jedi on every member of the class after each keystroke.

The interface of a member is: its ``def`` line(s) (name, parameters, return
annotation, decorators), its ``return``/``yield`` values, and every statement that
assigns an attribute of ``self``/``cls``. Anything else in its body cannot change
what jedi infers for the other members.
"""
from __future__ import annotations

import ast
import hashlib
from collections import OrderedDict

_INTERFACES: OrderedDict[str, bytes] = OrderedDict()  # parse text -> digest of its interface
_SIZE = 20_000


def class_keys(blocks, facts) -> dict[int, str]:
    """For each member block (by index): a digest of its siblings' interfaces."""
    by_class: dict[str, list[tuple[int, bytes]]] = {}
    for index, (block, block_facts) in enumerate(zip(blocks, facts)):
        if block.kind in ("member", "class-header") and block.class_name:
            by_class.setdefault(block.class_name, []).append((index, _interface(block, block_facts.tree)))
    keys: dict[int, str] = {}
    for members in by_class.values():
        for index, _ in members:
            if blocks[index].kind != "member":
                continue
            digest = hashlib.blake2b(digest_size=8)
            for other, interface in members:
                if other != index:
                    digest.update(interface)
            keys[index] = digest.hexdigest()
    return keys


def _interface(block, tree: ast.AST | None) -> bytes:
    text = block.parse_text
    found = _INTERFACES.get(text)
    if found is not None:
        _INTERFACES.move_to_end(text)
        return found
    if tree is None or block.kind == "class-header":
        parts = [text]  # unparsable, or the header itself: all of it counts
    else:
        parts = [ast.dump(node) for node in _interface_nodes(tree)]
    found = hashlib.blake2b("\0".join(parts).encode("utf-8", "surrogatepass"), digest_size=8).digest()
    _INTERFACES[text] = found
    if len(_INTERFACES) > _SIZE:
        _INTERFACES.popitem(last=False)
    return found


def _interface_nodes(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node.args
            yield from node.decorator_list
            if node.returns is not None:
                yield node.returns
            yield ast.Constant(node.name)
        elif isinstance(node, (ast.Return, ast.Yield, ast.YieldFrom)) and node.value is not None:
            yield node.value
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(_self_attribute(t) for target in targets for t in ast.walk(target)):
                yield node
        elif isinstance(node, (ast.ClassDef,)):
            yield ast.Constant(node.name)


def _self_attribute(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")
