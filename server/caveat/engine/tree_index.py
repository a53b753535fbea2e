"""One pass over a syntax tree: its nodes by type and each node's parent.

The engine indexes a block's tree once, when it is parsed (``facts_for``, memoized
per block text), and every rule context of that block reuses the index: walking
the tree was the largest fixed cost per block. The order of the nodes of a type
is ``ast.walk``'s (breadth first), which rules rely on.
"""
from __future__ import annotations

import ast
from collections import deque

TreeIndex = tuple[dict[type, list[ast.AST]], dict[ast.AST, ast.AST]]


def index_tree(tree: ast.AST) -> TreeIndex:
    by_type: dict[type, list[ast.AST]] = {}
    parents: dict[ast.AST, ast.AST] = {}
    node_type = ast.AST
    queue = deque([tree])
    pop, push = queue.popleft, queue.append
    while queue:
        node = pop()
        found = by_type.get(type(node))
        if found is None:
            by_type[type(node)] = [node]
        else:
            found.append(node)
        for name in node._fields:  # ast.iter_child_nodes, inlined
            value = getattr(node, name, None)
            if isinstance(value, list):
                for child in value:
                    if isinstance(child, node_type):
                        parents[child] = node
                        push(child)
            elif isinstance(value, node_type):
                parents[value] = node
                push(value)
    return by_type, parents
