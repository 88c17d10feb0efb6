// Python bindings of the kernels: qml.simulator._native. Arrays arrive through the buffer
// protocol (numpy arrays, C-contiguous, of the documented dtypes); every call releases
// the GIL while it computes, so the engine's thread pool runs them in parallel.
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <cstring>
#include <stdexcept>
#include <string>

#include "adjoint.hpp"
#include "forward.hpp"
#include "pauli.hpp"

namespace {

using qml::cplx;
using qml::i64;

// A C-contiguous buffer of one element type, released when it goes out of scope.
class Array {
  public:
    Array(PyObject* object, char kind, bool writable, const char* what) {
        const int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
        if (PyObject_GetBuffer(object, &view_, flags) != 0)
            throw std::runtime_error(std::string(what) + ": not a C-contiguous array");
        held_ = true;
        const std::string format = view_.format ? view_.format : "B";
        const char* f = format.c_str();
        if (*f == '<' || *f == '=' || *f == '@') ++f;
        bool ok = false;
        switch (kind) {
            case 'c': ok = std::strcmp(f, "Zd") == 0 && view_.itemsize == 16; break;
            case 'C': ok = (std::strcmp(f, "Zd") == 0 && view_.itemsize == 16) ||
                           (std::strcmp(f, "Zf") == 0 && view_.itemsize == 8); break;
            case 'd': ok = std::strcmp(f, "d") == 0; break;
            case 'q': ok = (std::strcmp(f, "q") == 0 || std::strcmp(f, "l") == 0) && view_.itemsize == 8; break;
            case '?': ok = (std::strcmp(f, "?") == 0 || std::strcmp(f, "B") == 0) && view_.itemsize == 1; break;
        }
        if (!ok) throw std::runtime_error(std::string(what) + ": wrong dtype (" + format + ")");
    }
    ~Array() {
        if (held_) PyBuffer_Release(&view_);
    }
    Array(const Array&) = delete;
    Array& operator=(const Array&) = delete;

    template <class T>
    T* data() const { return static_cast<T*>(view_.buf); }
    i64 shape(int axis) const { return axis < view_.ndim ? view_.shape[axis] : 1; }
    bool single() const { return view_.itemsize == 8; }
    int ndim() const { return view_.ndim; }

  private:
    Py_buffer view_{};
    bool held_ = false;
};

qml::Program program(const Array& phases, const Array& rowdata, const Array& varies, int n, const Array& ops,
                     const Array& qlist, const Array& mats) {
    qml::Program p{};
    p.n = n;
    p.n_ops = ops.shape(0);
    if (ops.ndim() != 2 || ops.shape(1) != qml::WIDTH) throw std::runtime_error("ops: wrong shape");
    p.ops = ops.data<i64>();
    p.qlist = qlist.data<i64>();
    p.mats = mats.data<cplx>();
    p.phases = phases.data<cplx>();
    p.phase_rows = phases.shape(0);
    p.n_slots = phases.ndim() == 2 ? phases.shape(1) : 0;
    p.rowdata = rowdata.data<cplx>();
    p.data_rows = rowdata.shape(0);
    p.row_width = rowdata.ndim() == 2 ? rowdata.shape(1) : 0;
    p.varies = varies.data<unsigned char>();
    return p;
}

PyObject* run_ops(PyObject*, PyObject* args) {
    PyObject *states_o, *phases_o, *rowdata_o, *varies_o, *ops_o, *qlist_o, *mats_o;
    int n, adjoint;
    long long start, stop, step, part, parts;
    if (!PyArg_ParseTuple(args, "OOOOiOOOpLLLLL", &states_o, &phases_o, &rowdata_o, &varies_o, &n, &ops_o,
                          &qlist_o, &mats_o, &adjoint, &start, &stop, &step, &part, &parts))
        return nullptr;
    try {
        Array states(states_o, 'C', true, "states"), phases(phases_o, 'c', false, "phases"),
            rowdata(rowdata_o, 'c', false, "rowdata"), varies(varies_o, '?', false, "varies"),
            ops(ops_o, 'q', false, "ops"), qlist(qlist_o, 'q', false, "qlist"), mats(mats_o, 'c', false, "mats");
        const qml::Program p = program(phases, rowdata, varies, n, ops, qlist, mats);
        if (states.shape(states.ndim() - 1) != (i64(1) << n)) throw std::runtime_error("states: wrong size");
        const i64 batch = states.ndim() == 2 ? states.shape(0) : 1;
        const bool single = states.single();
        void* data = states.data<void>();
        Py_BEGIN_ALLOW_THREADS
        if (single)
            qml::run_ops(p, static_cast<std::complex<float>*>(data), batch, adjoint != 0, start, stop, step, part, parts);
        else
            qml::run_ops(p, static_cast<cplx*>(data), batch, adjoint != 0, start, stop, step, part, parts);
        Py_END_ALLOW_THREADS
    } catch (const std::exception& error) {
        PyErr_SetString(PyExc_ValueError, error.what());
        return nullptr;
    }
    Py_RETURN_NONE;
}

PyObject* adjoint_sweep(PyObject*, PyObject* args) {
    PyObject *states_o, *lams_o, *phases_o, *rowdata_o, *varies_o, *ops_o, *qlist_o, *mats_o, *gfactor_o, *out_o;
    int n;
    if (!PyArg_ParseTuple(args, "OOOOOiOOOOO", &states_o, &lams_o, &phases_o, &rowdata_o, &varies_o, &n, &ops_o,
                          &qlist_o, &mats_o, &gfactor_o, &out_o))
        return nullptr;
    try {
        Array states(states_o, 'c', true, "states"), lams(lams_o, 'c', true, "lams"),
            phases(phases_o, 'c', false, "phases"), rowdata(rowdata_o, 'c', false, "rowdata"),
            varies(varies_o, '?', false, "varies"), ops(ops_o, 'q', false, "ops"), qlist(qlist_o, 'q', false, "qlist"),
            mats(mats_o, 'c', false, "mats"), gfactor(gfactor_o, 'd', false, "gfactor"), out(out_o, 'd', true, "out");
        const qml::Program p = program(phases, rowdata, varies, n, ops, qlist, mats);
        if (lams.ndim() != 3 || out.ndim() != 3) throw std::runtime_error("lams and out must be 3-D");
        const i64 batch = lams.shape(0), count_k = lams.shape(1), out_slots = out.shape(2);
        if (states.shape(0) != batch || out.shape(0) != batch || out.shape(1) != count_k)
            throw std::runtime_error("states, lams and out disagree on the batch");
        if (gfactor.shape(0) != p.n_ops) throw std::runtime_error("gfactor: one entry per op");
        cplx* s = states.data<cplx>();
        cplx* l = lams.data<cplx>();
        double* o = out.data<double>();
        const double* g = gfactor.data<double>();
        Py_BEGIN_ALLOW_THREADS
        qml::adjoint_sweep(p, s, l, batch, count_k, o, g, out_slots);
        Py_END_ALLOW_THREADS
    } catch (const std::exception& error) {
        PyErr_SetString(PyExc_ValueError, error.what());
        return nullptr;
    }
    Py_RETURN_NONE;
}

PyObject* pauli_expectations(PyObject*, PyObject* args) {
    PyObject *states_o, *x_o, *z_o, *ny_o, *out_o;
    if (!PyArg_ParseTuple(args, "OOOOO", &states_o, &x_o, &z_o, &ny_o, &out_o)) return nullptr;
    try {
        Array states(states_o, 'c', false, "states"), x(x_o, 'q', false, "x"), z(z_o, 'q', false, "z"),
            ny(ny_o, 'q', false, "ny"), out(out_o, 'd', true, "out");
        const i64 size = states.shape(1);
        const int n = static_cast<int>(__builtin_ctzll(static_cast<unsigned long long>(size)));
        const i64 batch = states.shape(0), terms = x.shape(0);
        if (out.shape(0) != batch || out.shape(1) != terms) throw std::runtime_error("out: wrong shape");
        const cplx* s = states.data<cplx>();
        Py_BEGIN_ALLOW_THREADS
        qml::pauli_expectations(s, batch, n, x.data<i64>(), z.data<i64>(), ny.data<i64>(), terms, out.data<double>());
        Py_END_ALLOW_THREADS
    } catch (const std::exception& error) {
        PyErr_SetString(PyExc_ValueError, error.what());
        return nullptr;
    }
    Py_RETURN_NONE;
}

PyObject* apply_pauli_sums(PyObject*, PyObject* args) {
    PyObject *states_o, *coefficients_o, *x_o, *z_o, *ny_o, *out_o;
    if (!PyArg_ParseTuple(args, "OOOOOO", &states_o, &coefficients_o, &x_o, &z_o, &ny_o, &out_o)) return nullptr;
    try {
        Array states(states_o, 'c', false, "states"), coefficients(coefficients_o, 'd', false, "coefficients"),
            x(x_o, 'q', false, "x"), z(z_o, 'q', false, "z"), ny(ny_o, 'q', false, "ny"), out(out_o, 'c', true, "out");
        const i64 size = states.shape(1);
        const int n = static_cast<int>(__builtin_ctzll(static_cast<unsigned long long>(size)));
        const i64 batch = states.shape(0), count_k = coefficients.shape(1), terms = x.shape(0);
        if (coefficients.shape(0) != batch || coefficients.shape(2) != terms || out.shape(0) != batch ||
            out.shape(1) != count_k || out.shape(2) != size)
            throw std::runtime_error("apply_pauli_sums: shapes disagree");
        Py_BEGIN_ALLOW_THREADS
        qml::apply_pauli_sums(states.data<cplx>(), batch, n, coefficients.data<double>(), count_k, x.data<i64>(),
                              z.data<i64>(), ny.data<i64>(), terms, out.data<cplx>());
        Py_END_ALLOW_THREADS
    } catch (const std::exception& error) {
        PyErr_SetString(PyExc_ValueError, error.what());
        return nullptr;
    }
    Py_RETURN_NONE;
}

// phases[b, s] = exp(i * scale[s] * angles[b, s] / 2); varying[s] = whether column s differs
// between rows. Columns every row shares are computed once. Returns the varying count.
PyObject* bind_phases(PyObject*, PyObject* args) {
    PyObject *angles_o, *scale_o, *phases_o, *varying_o;
    if (!PyArg_ParseTuple(args, "OOOO", &angles_o, &scale_o, &phases_o, &varying_o)) return nullptr;
    i64 count = 0;
    try {
        Array angles(angles_o, 'd', false, "angles"), scale(scale_o, 'd', false, "scale"),
            phases(phases_o, 'c', true, "phases"), varying(varying_o, '?', true, "varying");
        const i64 rows = angles.shape(0), slots = angles.ndim() == 2 ? angles.shape(1) : 0;
        if (scale.shape(0) != slots || phases.shape(0) != rows || phases.shape(1) != slots ||
            varying.shape(0) != slots)
            throw std::runtime_error("bind_phases: shapes disagree");
        const double* a = angles.data<double>();
        const double* f = scale.data<double>();
        cplx* out = phases.data<cplx>();
        unsigned char* vary = varying.data<unsigned char>();
        for (i64 s = 0; s < slots; ++s) {
            bool differs = false;
            for (i64 b = 1; b < rows && !differs; ++b) differs = a[b * slots + s] != a[s];
            vary[s] = differs;
            count += differs;
            if (differs) {
                for (i64 b = 0; b < rows; ++b) out[b * slots + s] = std::polar(1.0, 0.5 * f[s] * a[b * slots + s]);
            } else {
                const cplx h = std::polar(1.0, 0.5 * f[s] * a[s]);
                for (i64 b = 0; b < rows; ++b) out[b * slots + s] = h;
            }
        }
    } catch (const std::exception& error) {
        PyErr_SetString(PyExc_ValueError, error.what());
        return nullptr;
    }
    return PyLong_FromLongLong(count);
}

PyMethodDef methods[] = {
    {"run_ops", run_ops, METH_VARARGS,
     "run_ops(states, phases, rowdata, varies, n, ops, qlist, mats, adjoint, start, stop, step, part, parts)"},
    {"adjoint_sweep", adjoint_sweep, METH_VARARGS,
     "adjoint_sweep(states, lams, phases, rowdata, varies, n, ops, qlist, mats, gfactor, out)"},
    {"pauli_expectations", pauli_expectations, METH_VARARGS, "pauli_expectations(states, x, z, ny, out)"},
    {"bind_phases", bind_phases, METH_VARARGS, "bind_phases(angles, scale, phases, varying) -> varying count"},
    {"apply_pauli_sums", apply_pauli_sums, METH_VARARGS, "apply_pauli_sums(states, coefficients, x, z, ny, out)"},
    {nullptr, nullptr, 0, nullptr},
};

PyModuleDef module = {PyModuleDef_HEAD_INIT, "_native", "qml's compiled state-vector kernels.", -1, methods};

}  // namespace

PyMODINIT_FUNC PyInit__native() { return PyModule_Create(&module); }
