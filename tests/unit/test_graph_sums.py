"""Sums over edges and nodes: taken in float32 also for bf16 values, and differentiated by hand."""

import torch

from jettransfer.models.graph import Edges, index_add_sums_in_float32, mean_over_graph, mean_over_incoming


def test_cpu_index_add_sums_bf16_rows_in_float32():
    """What index_add_sums_in_float32 relies on: summed in bf16, a thousand ones would stop at 256."""
    ones = torch.ones(1000, 3, dtype=torch.bfloat16)
    assert index_add_sums_in_float32(ones)
    total = torch.zeros(2, 3, dtype=torch.bfloat16).index_add_(0, torch.zeros(1000, dtype=torch.long), ones)
    assert total[0].tolist() == [1000.0] * 3 and total[1].tolist() == [0.0] * 3
    assert not index_add_sums_in_float32(ones.to("meta"))  # elsewhere (CUDA) the values are cast first


def random_edges(n_nodes=50, n_edges=400, seed=0):
    generator = torch.Generator().manual_seed(seed)
    src = torch.randint(0, n_nodes, (n_edges,), generator=generator)
    dst = torch.randint(0, n_nodes - 1, (n_edges,), generator=generator)  # the last node gets none
    return Edges.between(src, dst, n_nodes, torch.float32)


def test_bf16_means_are_the_float32_means_rounded():
    edges = random_edges()
    messages = torch.rand(len(edges.dst), 8, generator=torch.Generator().manual_seed(1)) * 100
    exact = mean_over_incoming(messages.double(), edges)
    mixed = mean_over_incoming(messages.bfloat16(), edges)
    assert mixed.dtype == torch.bfloat16 and mixed[-1].abs().max() == 0
    # One rounding of the float32 sum and one of the quotient: within two bf16 steps (2**-7 relative).
    torch.testing.assert_close(mixed.double(), exact, rtol=2**-7, atol=0)
    graph_index = torch.arange(50) // 10
    pooled = mean_over_graph(messages[:50].bfloat16(), graph_index, torch.full((5,), 10.0))
    assert pooled.dtype == torch.float32
    torch.testing.assert_close(pooled.double(), messages[:50].bfloat16().double().view(5, 10, 8).mean(1), rtol=2**-7, atol=0)


def test_gradients_of_the_means():
    edges = random_edges(seed=2)
    counts = edges.in_degree.double()
    messages = torch.rand(len(edges.dst), 3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda m: mean_over_incoming(m, Edges(edges.src, edges.dst, counts)), (messages,))
    graph_index = torch.arange(len(edges.dst)) // 100
    sizes = torch.bincount(graph_index).double()
    assert torch.autograd.gradcheck(lambda m: mean_over_graph(m, graph_index, sizes), (messages,))
    # In bf16 the gradient comes back in bf16: grad[dst] / in-degree, rounded once.
    mixed = messages.detach().bfloat16().requires_grad_()
    upstream = torch.rand(50, 3, dtype=torch.float64)
    mean_over_incoming(mixed, edges).backward(upstream.bfloat16())
    expected = (upstream.bfloat16().double() / counts[:, None])[edges.dst]
    assert mixed.grad.dtype == torch.bfloat16
    torch.testing.assert_close(mixed.grad.double(), expected, rtol=2**-8, atol=0)


def test_the_cast_first_path_gives_the_same_bf16_means(monkeypatch):
    """Where index_add_ would add in bf16 (CUDA), the values are cast to float32 first: the same
    float32 sum, so the same means as the CPU's own float32 accumulation (the pooled mean, which
    is float32, then skips the CPU's one rounding of the sum to bf16)."""
    from jettransfer.models import graph

    edges = random_edges(seed=3)
    messages = (torch.rand(len(edges.dst), 5, generator=torch.Generator().manual_seed(4)) * 10).bfloat16()
    graph_index = torch.arange(len(edges.dst)) // 40
    sizes = torch.bincount(graph_index).float()
    native = mean_over_incoming(messages, edges), mean_over_graph(messages, graph_index, sizes)
    monkeypatch.setattr(graph, "index_add_sums_in_float32", lambda values: values.dtype == torch.float32)
    cast_first = mean_over_incoming(messages, edges), mean_over_graph(messages, graph_index, sizes)
    assert native[0].dtype == cast_first[0].dtype == torch.bfloat16 and torch.equal(native[0], cast_first[0])
    assert native[1].dtype == cast_first[1].dtype == torch.float32
    torch.testing.assert_close(native[1], cast_first[1], rtol=2**-8, atol=0)
    assert not torch.equal(native[1], cast_first[1])  # the float32 sum was kept: the branch was taken
