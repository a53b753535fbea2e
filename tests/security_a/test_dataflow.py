"""The flow-sensitive core (analysis/dataflow.py) on its own: which definitions reach a read."""
import ast
import textwrap

import pytest

from caveat.analysis.dataflow import UNKNOWN, Flow


def flow(source: str) -> tuple[Flow, ast.FunctionDef]:
    tree = ast.parse(textwrap.dedent(source))
    func = tree.body[0]
    return Flow(func), func


def last_read(func: ast.AST, name: str) -> ast.Name:
    reads = [n for n in ast.walk(func) if isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load)]
    return max(reads, key=lambda n: (n.lineno, n.col_offset))


def values(f: Flow, func: ast.AST, name: str) -> set[str]:
    """The source of the values each reaching definition assigns (``param`` for a parameter)."""
    found = set()
    for d in f.definitions(last_read(func, name)):
        if isinstance(d, ast.FunctionDef):
            found.add("param")
        elif isinstance(d, ast.Assign):
            found.add(ast.unparse(d.value))
        else:
            found.add(type(d).__name__)
    return found


def stored(f: Flow, func: ast.AST, text: str) -> set[str] | None:
    node = next(n for n in ast.walk(func) if isinstance(n, (ast.Subscript, ast.Call)) and ast.unparse(n) == text
                and isinstance(getattr(n, "ctx", ast.Load()), ast.Load))
    found = f.stored(node)
    return None if found is None else {ast.unparse(e) for e in found}


def test_a_constant_overwrite_kills_the_earlier_value():
    f, func = flow("""
        def view(param):
            bar = param
            bar = "safe"
            return bar
    """)
    assert values(f, func, "bar") == {"'safe'"}


def test_both_branches_reach_when_the_test_is_unknown():
    f, func = flow("""
        def view(param, flag):
            bar = "safe"
            if flag:
                bar = param
            return bar
    """)
    assert values(f, func, "bar") == {"'safe'", "param"}


@pytest.mark.parametrize("test, expected", [
    ("7 * 18 + num > 200", {"'constant'"}),
    ("7 * 18 - num > 200", {"param"}),
    ("(num % 2) == 0 and num > 100", {"'constant'"}),
    ("'abc'[1] == 'b'", {"'constant'"}),
    ("len('abc') > 5", {"param"}),
])
def test_a_constant_condition_runs_only_the_branch_it_takes(test, expected):
    f, func = flow(f"""
        def view(param):
            num = 106
            if {test}:
                bar = "constant"
            else:
                bar = param
            return bar
    """)
    assert values(f, func, "bar") == expected


def test_the_branch_not_taken_is_unreachable_and_its_reads_see_nothing():
    f, func = flow("""
        def view(param):
            if 1 > 2:
                sink(param)
            return param
    """)
    dead = func.body[0].body[0]
    assert not f.reachable(dead)
    assert f.definitions(dead.value.args[0]) == frozenset()
    assert f.reachable(func.body[1])


def test_a_conditional_expression_with_a_constant_test():
    f, func = flow("""
        def view(param):
            num = 86
            bar = "x" if 7 * 42 - num > 200 else param
            return bar
    """)
    ifexp = func.body[1].value
    assert f.constant(ifexp.test) is True
    assert f.definitions(ifexp.orelse) == frozenset()  # the side that never runs


def test_a_constant_only_when_every_path_agrees():
    f, func = flow("""
        def view(flag):
            n = 1
            if flag:
                n = 2
            return n
    """)
    assert f.constant(last_read(func, "n")) is UNKNOWN
    f2, func2 = flow("""
        def view(flag):
            n = 1
            if flag:
                n = 1
            return n
    """)
    assert f2.constant(last_read(func2, "n")) == 1


def test_match_on_a_constant_runs_the_matching_case():
    f, func = flow("""
        def view(param):
            guess = "ABC"[1]
            match guess:
                case 'A':
                    bar = param
                case 'B':
                    bar = 'bob'
                case 'C' | 'D':
                    bar = param
                case _:
                    bar = 'other'
            return bar
    """)
    assert values(f, func, "bar") == {"'bob'"}


def test_match_on_an_unknown_subject_joins_the_cases():
    f, func = flow("""
        def view(param, guess):
            bar = 'none'
            match guess:
                case 'A':
                    bar = param
                case 'B':
                    bar = 'bob'
            return bar
    """)
    assert values(f, func, "bar") == {"param", "'bob'", "'none'"}


def test_list_elements_by_index_after_append_and_pop():
    f, func = flow("""
        def view(param):
            lst = []
            lst.append('safe')
            lst.append(param)
            lst.append('moresafe')
            lst.pop(0)
            a = lst[0]
            b = lst[1]
            c = lst[-1]
            return a, b, c
    """)
    assert stored(f, func, "lst[0]") == {"param"}
    assert stored(f, func, "lst[1]") == {"'moresafe'"}
    assert stored(f, func, "lst[-1]") == {"'moresafe'"}


def test_dict_values_by_constant_key_and_get_defaults():
    f, func = flow("""
        def view(param):
            m = {}
            m['keyA-1'] = 'a_Value'
            m['keyB-1'] = param
            m['keyA-1'] = m['keyA-1']
            a = m['keyA-1']
            b = m.get('keyB-1')
            c = m.get('missing', 'dflt')
            return a, b, c
    """)
    assert stored(f, func, "m.get('keyB-1')") == {"param"}
    assert stored(f, func, "m.get('missing', 'dflt')") == {"'dflt'"}


def test_a_list_literal_element_replaced_by_index():
    f, func = flow("""
        def view(param):
            items = ['a', param, 'c']
            items[1] = 'b'
            return items[1]
    """)
    assert stored(f, func, "items[1]") == {"'b'"}


def test_contents_are_forgotten_when_the_model_cannot_follow():
    f, func = flow("""
        def view(param, key):
            m = {'a': 'x'}
            m[key] = param
            helper(m)
            lst = ['a']
            mutate(lst)
            return m['a'], lst[0], param[0]
    """)
    assert stored(f, func, "m['a']") is None
    assert stored(f, func, "lst[0]") is None
    assert stored(f, func, "param[0]") is None


def test_contents_join_across_branches():
    f, func = flow("""
        def view(param, flag):
            lst = ['a', 'b']
            if flag:
                lst[0] = param
            return lst[0], lst[1]
    """)
    assert stored(f, func, "lst[0]") == {"'a'", "param"}
    assert stored(f, func, "lst[1]") == {"'b'"}


def held(f: Flow, func: ast.AST, name: str) -> list[set[str]] | None:
    found = f.contents(last_read(func, name))
    return None if found is None else [{ast.unparse(e) for e in slot} for slot in found.slots]


def test_a_whole_list_read_knows_every_slot_built_by_appends_over_branches():
    f, func = flow("""
        def view(param, windows):
            args = []
            if windows:
                args.append("cmd.exe")
                args.append("/c")
            else:
                args.append("sh")
                args.append("-c")
            args.append(param)
            run(args)
    """)
    assert held(f, func, "args") == [{"'cmd.exe'", "'sh'"}, {"'/c'", "'-c'"}, {"param"}]


def test_a_whole_list_read_knows_nothing_when_the_paths_disagree_or_a_call_had_it():
    f, func = flow("""
        def view(param, flag):
            args = ["ls"]
            if flag:
                args.append(param)
            run(args)
            opts = ["a"]
            helper(opts)
            run(opts)
            run(param)
    """)
    assert held(f, func, "args") is None  # one or two elements, by path
    assert held(f, func, "opts") is None
    assert held(f, func, "param") is None


def test_loop_carried_definitions_reach_the_top_of_the_loop():
    f, func = flow("""
        def view(items):
            out = ''
            for item in items:
                use(out)
                out = item
            return out
    """)
    inside = func.body[1].body[0].value.args[0]
    assert {type(d).__name__ for d in f.definitions(inside)} == {"Assign"}
    assert len(f.definitions(inside)) == 2


def test_while_false_never_runs_and_while_true_exits_only_by_break():
    f, func = flow("""
        def view(param):
            bar = 'a'
            while False:
                bar = param
            while True:
                bar = 'b'
                break
            return bar
    """)
    assert values(f, func, "bar") == {"'b'"}


def test_code_after_return_and_raise_is_unreachable():
    f, func = flow("""
        def view(param):
            return 'x'
            sink(param)
    """)
    assert not f.reachable(func.body[1])


def test_abort_and_sys_exit_end_the_path():
    f, func = flow("""
        def view(param, flag):
            bar = param
            if flag:
                bar = 'x'
            else:
                abort(400)
            return bar
    """)
    assert values(f, func, "bar") == {"'x'"}


def test_try_handlers_see_every_state_of_the_body():
    f, func = flow("""
        def view(param):
            bar = 'a'
            try:
                bar = param
                risky()
                bar = 'b'
            except ValueError:
                return bar
            return bar
    """)
    handler_read = func.body[1].handlers[0].body[0].value
    assert len(f.definitions(handler_read)) == 3
    assert values(f, func, "bar") == {"'b'"}


def test_walrus_and_augmented_assignment():
    f, func = flow("""
        def view(param):
            if (n := 5) > 3:
                text = 'a'
            else:
                text = param
            text += '!'
            return text
    """)
    assert {type(d).__name__ for d in f.definitions(last_read(func, "text"))} == {"Assign", "AugAssign"}
    assert values(f, func, "text") == {"'a'", "AugAssign"}


def test_names_of_enclosing_functions_and_comprehensions_are_not_tracked():
    f, func = flow("""
        def view(param):
            out = [x for x in param]
            return config, out, [param for param in range(3)]
    """)
    comp_var = [n for n in ast.walk(func) if isinstance(n, ast.Name) and n.id == "x" and isinstance(n.ctx, ast.Load)][0]
    assert f.definitions(comp_var) is None
    assert f.definitions(last_read(func, "config")) is None
    shadowed = func.body[1].value.elts[2].elt
    assert f.definitions(shadowed) is None


def test_del_unbinds():
    f, func = flow("""
        def view(param):
            bar = param
            del bar
            bar = 'x'
            return bar
    """)
    assert values(f, func, "bar") == {"'x'"}


def test_folding_survives_errors_and_huge_values():
    f, func = flow("""
        def view(param):
            a = 1 / 0
            b = 'x' * 10 ** 9
            c = 2 ** 10000
            return a, b, c
    """)
    for name in "abc":
        assert f.constant(last_read(func, name)) is UNKNOWN


def test_loops_nested_deep_end_in_bounded_time_and_answer_nothing():
    depth = 12
    lines = ["def f(items):", "    x = 1"]
    for level in range(depth):
        lines.append("    " * (level + 1) + f"for v{level} in items:")
    lines.append("    " * (depth + 1) + "x = v0")
    lines.append("    return x")
    tree = ast.parse("\n".join(lines))
    f = Flow(tree.body[0])
    read = tree.body[0].body[-1].value
    # either a real answer or, past the step budget, none (callers then fall back)
    assert f.definitions(read) is None or len(f.definitions(read)) == 2
    assert f.reachable(tree.body[0].body[-1])
