/* Compiled hot paths of the online feature engine (riskline.features.windows, .readers).
 *
 * RingCore: a bucketed sliding window stored flat (bucket keys, slots and running totals as C
 *   arrays of numbers). Every method of windows.PyRingCore / PyRing is here: fold (the online
 *   update of one event), add, window, totals, extreme, expire_all, _advance. keys, vals and tot
 *   read as lists (copies), so dumps and every other reader see the Python core's layout.
 * DistinctCore: a windowed value set: the Python core's dict of values and their bucket lists,
 *   the sorted newest buckets as a C array (read and set as a list), the online update (put)
 *   and the count at the head (fcount) in C; the rare paths (a known value in an older bucket,
 *   shrinking past the cap, counts back in time) are the Python subclass's.
 * read_kind: every read op of one entity kind (riskline.features.readers) into the output dict.
 * untrack / untrack_state: feature state is acyclic (numbers, and lists or dicts of numbers), so
 *   it is left out of the cyclic collector.
 *
 * Each mirrors the Python it replaces; tests/features/test_native.py holds the two equal on
 * random histories (states and values) and on simulated worlds (every feature, every event).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <math.h>

#ifndef RISKLINE_NATIVE_SOURCE
#define RISKLINE_NATIVE_SOURCE "" /* the build hook passes the SHA-256 of this file */
#endif

#define ADD 0
#define MIN 1
#define MAX 2
#define NEVER (-(1LL << 62))

static PyObject *s_add, *s_shrink, *s_count;

/* ---- sorted ints: Python lists and C arrays -------------------------------------------------------- */

static int item_ll(PyObject *list, Py_ssize_t i, long long *out)
{
    long long v = PyLong_AsLongLong(PyList_GET_ITEM(list, i));
    if (v == -1 && PyErr_Occurred())
        return -1;
    *out = v;
    return 0;
}

static int as_double(PyObject *o, double *out)
{
    double v = PyFloat_CheckExact(o) ? PyFloat_AS_DOUBLE(o) : PyFloat_AsDouble(o);
    if (v == -1.0 && PyErr_Occurred())
        return -1;
    *out = v;
    return 0;
}

/* bisect_right(list, x, lo, hi); -1 on error */
static Py_ssize_t bisect_right(PyObject *list, long long x, Py_ssize_t lo, Py_ssize_t hi)
{
    while (lo < hi) {
        Py_ssize_t mid = lo + (hi - lo) / 2;
        long long v;
        if (item_ll(list, mid, &v) < 0)
            return -1;
        if (x < v)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* bisect_right / bisect_left over a sorted C array */
static Py_ssize_t ll_bisect_right(const long long *v, long long x, Py_ssize_t lo, Py_ssize_t hi)
{
    while (lo < hi) {
        Py_ssize_t mid = lo + (hi - lo) / 2;
        if (x < v[mid])
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

static Py_ssize_t ll_bisect_left(const long long *v, long long x, Py_ssize_t lo, Py_ssize_t hi)
{
    while (lo < hi) {
        Py_ssize_t mid = lo + (hi - lo) / 2;
        if (v[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* a new list of the ints v[0 .. n-1] */
static PyObject *list_of_lls(const long long *v, Py_ssize_t n)
{
    PyObject *out = PyList_New(n);
    if (out == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *k = PyLong_FromLongLong(v[i]);
        if (k == NULL) {
            Py_DECREF(out);
            return NULL;
        }
        PyList_SET_ITEM(out, i, k);
    }
    return out;
}

static int append_ll(PyObject *list, long long x)
{
    PyObject *o = PyLong_FromLongLong(x);
    if (o == NULL)
        return -1;
    int rc = PyList_Append(list, o);
    Py_DECREF(o);
    return rc;
}

/* State is acyclic by construction: rings and sets hold lists of numbers, and lists or dicts of
 * those. Nothing in it can be part of a reference cycle, so the cyclic collector has no reason
 * to scan it; untracking it spares every collection a pass over all the state of all entities
 * (most of what the collector does in a feature worker). Reference counting frees it as usual. */
static void untrack(PyObject *o)
{
    if (o != NULL && PyObject_IS_GC(o) && PyObject_GC_IsTracked(o))
        PyObject_GC_UnTrack(o);
}


static int get_list(PyObject *o, const char *what)
{
    if (!PyList_Check(o)) {
        PyErr_Format(PyExc_TypeError, "%s must be a list", what);
        return -1;
    }
    return 0;
}

/* ---- DistinctCore ------------------------------------------------------------------------- */

/* A windowed value set: seen (dict: value -> sorted list of its buckets) as in the Python core,
 * and lasts (every value's newest bucket, sorted) as a C array, so counts at the head and the
 * online update search a few cache lines. lasts reads as a list (a copy) and is set from one. */
typedef struct {
    PyObject_HEAD
    long long n;
    long long head;
    PyObject *seen;
    long long *lasts;
    Py_ssize_t nl, lcap;
} DistinctCore;

static int Distinct_traverse(DistinctCore *self, visitproc visit, void *arg)
{
    Py_VISIT(self->seen);
    return 0;
}

static int Distinct_clear(DistinctCore *self)
{
    Py_CLEAR(self->seen);
    return 0;
}

static void Distinct_dealloc(DistinctCore *self)
{
    PyObject_GC_UnTrack(self);
    Distinct_clear(self);
    PyMem_Free(self->lasts);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int lasts_reserve(DistinctCore *self, Py_ssize_t need)
{
    if (need <= self->lcap)
        return 0;
    Py_ssize_t cap = self->lcap ? self->lcap : 4;
    while (cap < need)
        cap *= 2;
    long long *p = PyMem_Realloc(self->lasts, cap * sizeof(long long));
    if (p == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    self->lasts = p;
    self->lcap = cap;
    return 0;
}

static int cmp_ll(const void *x, const void *y)
{
    long long a = *(const long long *)x, b = *(const long long *)y;
    return (a > b) - (a < b);
}

/* lasts = sorted(lst[-1] for lst in seen.values()) */
static int sort_lasts(DistinctCore *self)
{
    Py_ssize_t m = PyDict_GET_SIZE(self->seen), pos = 0, k = 0;
    if (lasts_reserve(self, m) < 0)
        return -1;
    PyObject *key, *lst;
    while (PyDict_Next(self->seen, &pos, &key, &lst)) {
        if (!PyList_Check(lst) || PyList_GET_SIZE(lst) == 0) {
            PyErr_SetString(PyExc_ValueError, "a value set maps each value to its buckets");
            return -1;
        }
        if (item_ll(lst, PyList_GET_SIZE(lst) - 1, &self->lasts[k]) < 0)
            return -1;
        k++;
    }
    qsort(self->lasts, k, sizeof(long long), cmp_ll);
    self->nl = k;
    return 0;
}

/* __init__(self, n, seen=None, head=NEVER) */
static int Distinct_init(DistinctCore *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"n", "seen", "head", NULL};
    long long n, head = NEVER;
    PyObject *seen = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "L|OL", kwlist, &n, &seen, &head))
        return -1;
    self->n = n;
    self->head = head;
    self->nl = 0;
    int filled = seen != Py_None && PyObject_IsTrue(seen);
    if (filled < 0)
        return -1;
    if (filled) {
        if (!PyDict_Check(seen)) {
            PyErr_SetString(PyExc_TypeError, "seen must be a dict");
            return -1;
        }
        Py_INCREF(seen);
        Py_XSETREF(self->seen, seen);
        if (sort_lasts(self) < 0)
            return -1;
        Py_ssize_t pos = 0;
        PyObject *key, *lst;
        while (PyDict_Next(self->seen, &pos, &key, &lst))
            untrack(lst);
    } else {
        Py_XSETREF(self->seen, PyDict_New());
        if (self->seen == NULL)
            return -1;
    }
    untrack(self->seen);
    untrack((PyObject *)self);
    return 0;
}

/* if not lasts or b >= lasts[-1]: lasts.append(b)  else: insort(lasts, b) */
static int lasts_push(DistinctCore *self, long long b)
{
    if (lasts_reserve(self, self->nl + 1) < 0)
        return -1;
    Py_ssize_t i = self->nl;
    if (i > 0 && b < self->lasts[i - 1]) {
        i = ll_bisect_right(self->lasts, b, 0, self->nl);
        memmove(self->lasts + i + 1, self->lasts + i, (self->nl - i) * sizeof(long long));
    }
    self->lasts[i] = b;
    self->nl += 1;
    return 0;
}

static PyObject *call_method(PyObject *self, PyObject *name, const char *fmt, ...)
{
    va_list va;
    va_start(va, fmt);
    PyObject *args = Py_VaBuildValue(fmt, va);
    va_end(va);
    if (args == NULL)
        return NULL;
    PyObject *meth = PyObject_GetAttr(self, name);
    if (meth == NULL) {
        Py_DECREF(args);
        return NULL;
    }
    PyObject *r = PyObject_Call(meth, args, NULL);
    Py_DECREF(meth);
    Py_DECREF(args);
    return r;
}

/* put(value, b, prune, cap): the online update of one event (see PyDistinctCore.put). */
static PyObject *Distinct_put(DistinctCore *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 4) {
        PyErr_SetString(PyExc_TypeError, "put(value, b, prune, cap)");
        return NULL;
    }
    PyObject *value = args[0];
    long long b = PyLong_AsLongLong(args[1]);
    long long prune = PyLong_AsLongLong(args[2]);
    Py_ssize_t cap = PyLong_AsSsize_t(args[3]);
    if (PyErr_Occurred())
        return NULL;
    if (self->seen == NULL || !PyDict_Check(self->seen)) {
        PyErr_SetString(PyExc_TypeError, "seen must be a dict");
        return NULL;
    }
    PyObject *lst = PyDict_GetItemWithError(self->seen, value); /* borrowed */
    if (lst == NULL && PyErr_Occurred())
        return NULL;
    if (lst == NULL) { /* a new value */
        PyObject *fresh = PyList_New(1);
        PyObject *bo = PyLong_FromLongLong(b);
        if (fresh == NULL || bo == NULL) {
            Py_XDECREF(fresh);
            Py_XDECREF(bo);
            return NULL;
        }
        PyList_SET_ITEM(fresh, 0, bo);
        untrack(fresh);
        if (lasts_reserve(self, self->nl + 1) < 0) {
            Py_DECREF(fresh);
            return NULL;
        }
        int rc = PyDict_SetItem(self->seen, value, fresh);
        Py_DECREF(fresh);
        untrack(self->seen); /* inserting a list tracks a dict again */
        if (rc < 0 || lasts_push(self, b) < 0)
            return NULL;
        if (b > self->head)
            self->head = b;
        if (PyDict_GET_SIZE(self->seen) > cap) {
            PyObject *r = call_method((PyObject *)self, s_shrink, "(Ln)", prune, cap);
            if (r == NULL)
                return NULL;
            Py_DECREF(r);
            untrack(self->seen); /* shrink made a new dict (of the same value lists) */
        }
        Py_RETURN_NONE;
    }
    if (get_list(lst, "a value's buckets") < 0)
        return NULL;
    Py_ssize_t k = PyList_GET_SIZE(lst);
    long long old;
    if (k == 0 || item_ll(lst, k - 1, &old) < 0) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_ValueError, "a value without buckets");
        return NULL;
    }
    if (old < b) { /* a known value in a newer bucket */
        Py_ssize_t m = self->nl;
        if (m == 0) {
            PyErr_SetString(PyExc_ValueError, "lasts out of step with seen");
            return NULL;
        }
        if (append_ll(lst, b) < 0)
            return NULL;
        if (self->lasts[m - 1] == old) {
            self->lasts[m - 1] = b; /* the newest value again: still sorted */
        } else {
            Py_ssize_t i = ll_bisect_left(self->lasts, old, 0, m);
            memmove(self->lasts + i, self->lasts + i + 1, (m - i - 1) * sizeof(long long));
            self->nl -= 1;
            if (lasts_push(self, b) < 0)
                return NULL;
        }
        if (b > self->head)
            self->head = b;
        long long first;
        if (item_ll(lst, 0, &first) < 0)
            return NULL;
        if (first <= prune) { /* b > prune: the newest bucket stays */
            Py_ssize_t j = bisect_right(lst, prune, 0, PyList_GET_SIZE(lst));
            if (j < 0 || PyList_SetSlice(lst, 0, j, NULL) < 0)
                return NULL;
        }
        Py_RETURN_NONE;
    }
    if (old > b) /* an older bucket of a known value: the general path */
        return call_method((PyObject *)self, s_add, "(OLLn)", value, b, prune, cap);
    Py_RETURN_NONE;
}

/* untrack_state(st): an entity's state and its lists of rings, lifetime slots and sets. */
static PyObject *native_untrack_state(PyObject *module, PyObject *st)
{
    (void)module;
    static const char *names[] = {"rings", "life", "sets"};
    for (int i = 0; i < 3; i++) {
        PyObject *o = PyObject_GetAttrString(st, names[i]);
        if (o == NULL)
            return NULL;
        untrack(o);
        Py_DECREF(o);
    }
    untrack(st);
    Py_INCREF(st);
    return st;
}

/* the count at b >= head: the values whose newest bucket is in the window */
static Py_ssize_t distinct_head_count(DistinctCore *self, long long b)
{
    return self->nl - ll_bisect_right(self->lasts, b - self->n, 0, self->nl);
}

/* fcount(b): float(count(b)); the newest-bucket case is one binary search. */
static PyObject *Distinct_fcount(DistinctCore *self, PyObject *arg)
{
    long long b = PyLong_AsLongLong(arg);
    if (b == -1 && PyErr_Occurred())
        return NULL;
    if (b >= self->head)
        return PyFloat_FromDouble((double)distinct_head_count(self, b));
    PyObject *r = PyObject_CallMethodOneArg((PyObject *)self, s_count, arg);
    if (r == NULL)
        return NULL;
    PyObject *f = PyNumber_Float(r);
    Py_DECREF(r);
    return f;
}

static PyObject *Distinct_get_lasts(DistinctCore *self, void *closure)
{
    (void)closure;
    return list_of_lls(self->lasts, self->nl);
}

static int Distinct_set_lasts(DistinctCore *self, PyObject *value, void *closure)
{
    (void)closure;
    if (value == NULL || !PyList_Check(value)) {
        PyErr_SetString(PyExc_TypeError, "lasts must be a list of bucket numbers");
        return -1;
    }
    Py_ssize_t m = PyList_GET_SIZE(value);
    long long *v = PyMem_Malloc((m ? m : 1) * sizeof(long long));
    if (v == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < m; i++) {
        if (item_ll(value, i, &v[i]) < 0 || (i > 0 && v[i] < v[i - 1])) {
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_ValueError, "lasts must be sorted");
            PyMem_Free(v);
            return -1;
        }
    }
    PyMem_Free(self->lasts);
    self->lasts = v;
    self->lcap = m ? m : 1;
    self->nl = m;
    return 0;
}

static PyGetSetDef Distinct_getset[] = {
    {"lasts", (getter)Distinct_get_lasts, (setter)Distinct_set_lasts,
     "every value's newest bucket, sorted (read and set as a list)", NULL},
    {NULL},
};

static PyMemberDef Distinct_members[] = {
    {"n", T_LONGLONG, offsetof(DistinctCore, n), 0, "window length in buckets"},
    {"head", T_LONGLONG, offsetof(DistinctCore, head), 0, "newest bucket added"},
    {"seen", T_OBJECT_EX, offsetof(DistinctCore, seen), 0, "value -> sorted buckets"},
    {NULL},
};

static PyMethodDef Distinct_methods[] = {
    {"put", (PyCFunction)(void (*)(void))Distinct_put, METH_FASTCALL,
     "put(value, b, prune, cap): record value in bucket b (the online update)."},
    {"fcount", (PyCFunction)Distinct_fcount, METH_O,
     "fcount(b): distinct values in buckets b-n+1 .. b, as a float."},
    {NULL},
};

static PyTypeObject DistinctCoreType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "riskline.features._native.DistinctCore",
    .tp_basicsize = sizeof(DistinctCore),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "Compiled core of a windowed value set.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Distinct_init,
    .tp_dealloc = (destructor)Distinct_dealloc,
    .tp_traverse = (traverseproc)Distinct_traverse,
    .tp_clear = (inquiry)Distinct_clear,
    .tp_members = Distinct_members,
    .tp_getset = Distinct_getset,
    .tp_methods = Distinct_methods,
};

/* ---- RingCore ----------------------------------------------------------------------------- */

/* A bucketed sliding window of several slots, stored flat: keys[nb] sorted bucket numbers,
 * vals[nb * ns] their slots, tot[ns] the running totals of the window ending at head, and lo the
 * index of the oldest bucket in that window. Every method is windows.PyRingCore's, in C; the
 * Python-visible keys, vals and tot are copies (lists), so state reads the same on both. */
typedef struct {
    PyObject_HEAD
    long long head;
    Py_ssize_t lo;
    Py_ssize_t ns, nb, cap;
    long long *keys;
    double *vals;
    double *tot;
} RingCore;

static void Ring_dealloc(RingCore *self)
{
    PyMem_Free(self->keys);
    PyMem_Free(self->vals);
    PyMem_Free(self->tot);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int ring_reserve(RingCore *self, Py_ssize_t need)
{
    if (need <= self->cap)
        return 0;
    Py_ssize_t cap = self->cap ? self->cap : 4;
    while (cap < need)
        cap *= 2;
    long long *keys = PyMem_Realloc(self->keys, cap * sizeof(long long));
    if (keys == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    self->keys = keys;
    Py_ssize_t cells = cap * self->ns;
    double *vals = PyMem_Realloc(self->vals, (cells > 0 ? cells : 1) * sizeof(double));
    if (vals == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    self->vals = vals;
    self->cap = cap;
    return 0;
}

static int doubles_of(PyObject *list, double *out, Py_ssize_t n, const char *what)
{
    if (!PyList_Check(list) || PyList_GET_SIZE(list) != n) {
        PyErr_Format(PyExc_ValueError, "%s must be a list of %zd numbers", what, n);
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++)
        if (as_double(PyList_GET_ITEM(list, i), &out[i]) < 0)
            return -1;
    return 0;
}

/* __init__(self, head, keys, vals, tot, lo) */
static int Ring_init(RingCore *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"head", "keys", "vals", "tot", "lo", NULL};
    long long head;
    Py_ssize_t lo;
    PyObject *keys, *vals, *tot;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "LO!O!O!n", kwlist, &head, &PyList_Type, &keys,
                                     &PyList_Type, &vals, &PyList_Type, &tot, &lo))
        return -1;
    Py_ssize_t nb = PyList_GET_SIZE(keys), ns = PyList_GET_SIZE(tot);
    if (PyList_GET_SIZE(vals) != nb || lo < 0 || lo > nb) {
        PyErr_SetString(PyExc_ValueError, "a ring has one slot list per key and 0 <= lo <= keys");
        return -1;
    }
    PyMem_Free(self->keys);
    PyMem_Free(self->vals);
    PyMem_Free(self->tot);
    self->keys = NULL;
    self->vals = NULL;
    self->cap = self->nb = 0;
    self->ns = ns;
    self->tot = PyMem_Calloc(ns ? ns : 1, sizeof(double));
    if (self->tot == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    if (ring_reserve(self, nb) < 0 || doubles_of(tot, self->tot, ns, "tot") < 0)
        return -1;
    for (Py_ssize_t i = 0; i < nb; i++) {
        long long k = PyLong_AsLongLong(PyList_GET_ITEM(keys, i));
        if (k == -1 && PyErr_Occurred())
            return -1;
        if (i > 0 && k <= self->keys[i - 1]) {
            PyErr_SetString(PyExc_ValueError, "a ring's keys must be increasing");
            return -1;
        }
        self->keys[i] = k;
        if (doubles_of(PyList_GET_ITEM(vals, i), self->vals + i * ns, ns, "a bucket") < 0)
            return -1;
    }
    self->nb = nb;
    self->head = head;
    self->lo = lo;
    untrack((PyObject *)self); /* a Python subclass is collectable; the ring holds no objects */
    return 0;
}

static void ring_drop_front(RingCore *self, Py_ssize_t j)
{
    if (j <= 0)
        return;
    Py_ssize_t ns = self->ns, rest = self->nb - j;
    memmove(self->keys, self->keys + j, rest * sizeof(long long));
    memmove(self->vals, self->vals + j * ns, rest * ns * sizeof(double));
    self->nb = rest;
}

/* expire_all(b, prune): every kept bucket is outside its window (sparse entities) */
static void ring_expire_all(RingCore *self, long long b, long long prune)
{
    self->head = b;
    if (self->nb > 0 && self->keys[0] <= prune)
        ring_drop_front(self, ll_bisect_right(self->keys, prune, 0, self->nb));
    self->lo = self->nb;
    for (Py_ssize_t s = 0; s < self->ns; s++)
        self->tot[s] = 0.0;
}

/* _advance(b, n, prune): the window moves to end at b > head */
static void ring_advance(RingCore *self, long long b, long long n, long long prune)
{
    Py_ssize_t nb = self->nb, ns = self->ns;
    if (nb == 0) {
        self->head = b;
        return;
    }
    long long edge = b - n;
    Py_ssize_t i = self->lo;
    if (self->keys[nb - 1] <= edge) {
        ring_expire_all(self, b, prune);
        return;
    }
    self->head = b;
    if (i < nb && self->keys[i] <= edge) { /* buckets leave the window: subtract, oldest first */
        Py_ssize_t j = ll_bisect_right(self->keys, edge, i, nb);
        for (Py_ssize_t r = i; r < j; r++)
            for (Py_ssize_t s = 0; s < ns; s++)
                self->tot[s] -= self->vals[r * ns + s];
        i = j;
    }
    if (self->keys[0] <= prune) {
        Py_ssize_t j = ll_bisect_right(self->keys, prune, 0, i);
        ring_drop_front(self, j);
        i -= j;
    }
    self->lo = i;
}

static int template_ok(RingCore *self, PyObject *template)
{
    if (!PyList_Check(template) || PyList_GET_SIZE(template) != self->ns) {
        PyErr_Format(PyExc_ValueError, "a bucket template must be a list of %zd numbers", self->ns);
        return -1;
    }
    return 0;
}

/* insert a bucket at pos (a copy of template); -1 on error */
static int ring_insert(RingCore *self, Py_ssize_t pos, long long b, PyObject *template)
{
    Py_ssize_t ns = self->ns;
    if (ring_reserve(self, self->nb + 1) < 0)
        return -1;
    memmove(self->keys + pos + 1, self->keys + pos, (self->nb - pos) * sizeof(long long));
    memmove(self->vals + (pos + 1) * ns, self->vals + pos * ns, (self->nb - pos) * ns * sizeof(double));
    if (doubles_of(template, self->vals + pos * ns, ns, "a bucket template") < 0) {
        memmove(self->keys + pos, self->keys + pos + 1, (self->nb - pos) * sizeof(long long));
        memmove(self->vals + pos * ns, self->vals + (pos + 1) * ns, (self->nb - pos) * ns * sizeof(double));
        return -1;
    }
    self->keys[pos] = b;
    self->nb += 1;
    return 0;
}

/* bucket(b, n, prune, template): index of bucket b (created), the window advanced to it */
static Py_ssize_t ring_bucket(RingCore *self, long long b, long long n, long long prune,
                              PyObject *template)
{
    if (b > self->head)
        ring_advance(self, b, n, prune);
    Py_ssize_t nb = self->nb;
    if (nb && self->keys[nb - 1] == b)
        return nb - 1;
    if (!nb || self->keys[nb - 1] < b)
        return ring_insert(self, nb, b, template) < 0 ? -1 : nb;
    Py_ssize_t pos = ll_bisect_left(self->keys, b, 0, nb);
    if (self->keys[pos] == b)
        return pos;
    if (ring_insert(self, pos, b, template) < 0)
        return -1;
    if (b <= self->head - n)
        self->lo += 1;
    return pos;
}

static int read_lls(PyObject *const *args, long long *out, int n)
{
    for (int i = 0; i < n; i++) {
        out[i] = PyLong_AsLongLong(args[i]);
        if (out[i] == -1 && PyErr_Occurred())
            return -1;
    }
    return 0;
}

static PyObject *Ring_expire_all(RingCore *self, PyObject *const *args, Py_ssize_t nargs)
{
    long long v[2];
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "expire_all(b, prune)");
        return NULL;
    }
    if (read_lls(args, v, 2) < 0)
        return NULL;
    ring_expire_all(self, v[0], v[1]);
    Py_RETURN_NONE;
}

static PyObject *Ring_advance(RingCore *self, PyObject *const *args, Py_ssize_t nargs)
{
    long long v[3];
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "_advance(b, n, prune)");
        return NULL;
    }
    if (read_lls(args, v, 3) < 0)
        return NULL;
    if (v[0] > self->head)
        ring_advance(self, v[0], v[1], v[2]);
    Py_RETURN_NONE;
}

/* fold one value into slot of bucket row (and into tot when in_window) */
static int fold_one(RingCore *self, double *q, int in_window, Py_ssize_t slot, long kind, PyObject *x)
{
    double v;
    if (as_double(x, &v) < 0)
        return -1;
    if (slot < 0 || slot >= self->ns) {
        PyErr_SetString(PyExc_IndexError, "fold: slot out of range");
        return -1;
    }
    if (kind == ADD) {
        q[slot] += v;
        if (in_window)
            self->tot[slot] += v;
    } else if (kind == MIN ? v < q[slot] : v > q[slot]) {
        q[slot] = v;
    }
    return 0;
}

/* fold(b, n, prune, template, spec, *values): the online update of one event.
 *
 * spec is a tuple of (slot, kind) pairs, one per value; a value of None skips its op. Nothing
 * is created or advanced when every value is None (see PyRingCore.fold). */
static PyObject *Ring_fold(RingCore *self, PyObject *const *args, Py_ssize_t nargs)
{
    long long v[3];
    if (nargs < 5) {
        PyErr_SetString(PyExc_TypeError, "fold(b, n, prune, template, spec, *values)");
        return NULL;
    }
    if (read_lls(args, v, 3) < 0)
        return NULL;
    long long b = v[0], n = v[1], prune = v[2];
    PyObject *template = args[3], *spec = args[4];
    PyObject *const *values = args + 5;
    Py_ssize_t nv = nargs - 5;
    if (!PyTuple_Check(spec) || PyTuple_GET_SIZE(spec) != nv) {
        PyErr_SetString(PyExc_TypeError, "fold: spec is a tuple of one (slot, kind) per value");
        return NULL;
    }
    if (template_ok(self, template) < 0)
        return NULL;
    Py_ssize_t nb = self->nb, row;
    int in_window = 1;
    if (nb > 0 && b == self->head && self->keys[nb - 1] == b) { /* the newest bucket */
        row = nb - 1;
    } else {
        int any = 0;
        for (Py_ssize_t i = 0; i < nv; i++)
            any |= values[i] != Py_None;
        if (!any)
            Py_RETURN_NONE;
        if (b > self->head && (nb == 0 || self->keys[nb - 1] <= b - n)) {
            ring_expire_all(self, b, prune); /* every bucket left the window */
            if (ring_insert(self, self->nb, b, template) < 0)
                return NULL;
            row = self->nb - 1;
        } else if (b > self->head && self->lo < nb && self->keys[self->lo] > b - n
                   && self->keys[0] > prune) {
            self->head = b; /* a newer bucket; none leaves the window, none to forget */
            if (ring_insert(self, nb, b, template) < 0)
                return NULL;
            row = nb;
        } else {
            row = ring_bucket(self, b, n, prune, template);
            if (row < 0)
                return NULL;
            in_window = b > self->head - n;
        }
    }
    double *q = self->vals + row * self->ns;
    for (Py_ssize_t i = 0; i < nv; i++) {
        if (values[i] == Py_None)
            continue;
        PyObject *op = PyTuple_GET_ITEM(spec, i);
        if (!PyTuple_Check(op) || PyTuple_GET_SIZE(op) != 2) {
            PyErr_SetString(PyExc_TypeError, "fold: each op is (slot, kind)");
            return NULL;
        }
        Py_ssize_t slot = PyLong_AsSsize_t(PyTuple_GET_ITEM(op, 0));
        long kind = PyLong_AsLong(PyTuple_GET_ITEM(op, 1));
        if (PyErr_Occurred() || fold_one(self, q, in_window, slot, kind, values[i]) < 0)
            return NULL;
    }
    Py_RETURN_NONE;
}

/* add(b, n, prune, template, ops): fold ops [(slot, kind, value)] into bucket b */
static PyObject *Ring_add(RingCore *self, PyObject *const *args, Py_ssize_t nargs)
{
    long long v[3];
    if (nargs != 5 || !PyList_Check(args[4])) {
        PyErr_SetString(PyExc_TypeError, "add(b, n, prune, template, ops)");
        return NULL;
    }
    if (read_lls(args, v, 3) < 0 || template_ok(self, args[3]) < 0)
        return NULL;
    Py_ssize_t row = ring_bucket(self, v[0], v[1], v[2], args[3]);
    if (row < 0)
        return NULL;
    int in_window = v[0] > self->head - v[1];
    PyObject *ops = args[4];
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(ops); i++) {
        PyObject *op = PyList_GET_ITEM(ops, i);
        if (!PyTuple_Check(op) || PyTuple_GET_SIZE(op) != 3) {
            PyErr_SetString(PyExc_TypeError, "add: each op is (slot, kind, value)");
            return NULL;
        }
        Py_ssize_t slot = PyLong_AsSsize_t(PyTuple_GET_ITEM(op, 0));
        long kind = PyLong_AsLong(PyTuple_GET_ITEM(op, 1));
        if (PyErr_Occurred()
            || fold_one(self, self->vals + row * self->ns, in_window, slot, kind,
                        PyTuple_GET_ITEM(op, 2)) < 0)
            return NULL;
    }
    Py_RETURN_NONE;
}

/* The totals of the window ending at b: the running totals (advancing to b when b > head), or
 * sums into buf (ns doubles) for a window further back. Returns the doubles to read. */
static const double *ring_totals_at(RingCore *self, long long b, long long n, long long prune,
                                    double *buf)
{
    if (b >= self->head) {
        if (b > self->head && !(self->lo >= self->nb || self->keys[self->lo] > b - n))
            ring_advance(self, b, n, prune);
        return self->tot;
    }
    Py_ssize_t ns = self->ns;
    for (Py_ssize_t s = 0; s < ns; s++)
        buf[s] = 0.0;
    Py_ssize_t i = ll_bisect_right(self->keys, b - n, 0, self->nb);
    Py_ssize_t j = ll_bisect_right(self->keys, b, 0, self->nb);
    for (Py_ssize_t r = i; r < j; r++)
        for (Py_ssize_t s = 0; s < ns; s++)
            buf[s] += self->vals[r * ns + s];
    return buf;
}

static PyObject *list_of_doubles(const double *v, Py_ssize_t n)
{
    PyObject *out = PyList_New(n);
    if (out == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *f = PyFloat_FromDouble(v[i]);
        if (f == NULL) {
            Py_DECREF(out);
            return NULL;
        }
        PyList_SET_ITEM(out, i, f);
    }
    return out;
}

static PyObject *ring_totals_list(RingCore *self, PyObject *const *args, Py_ssize_t nargs, int advance_always)
{
    long long v[3];
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "(b, n, prune)");
        return NULL;
    }
    if (read_lls(args, v, 3) < 0)
        return NULL;
    if (advance_always && v[0] > self->head)
        ring_advance(self, v[0], v[1], v[2]);
    double *buf = PyMem_Calloc(self->ns ? self->ns : 1, sizeof(double));
    if (buf == NULL)
        return PyErr_NoMemory();
    PyObject *out = list_of_doubles(ring_totals_at(self, v[0], v[1], v[2], buf), self->ns);
    PyMem_Free(buf);
    return out;
}

/* totals(b, n, prune): the sums of the window ending at b (advancing to b when b > head) */
static PyObject *Ring_totals(RingCore *self, PyObject *const *args, Py_ssize_t nargs)
{
    return ring_totals_list(self, args, nargs, 1);
}

/* window(b, n, prune): as PyRingCore.window */
static PyObject *Ring_window(RingCore *self, PyObject *const *args, Py_ssize_t nargs)
{
    return ring_totals_list(self, args, nargs, 0);
}

/* extreme(b, n, slot, kind): min or max of slot over the window ending at b (NaN if none) */
static double ring_extreme(RingCore *self, long long b, long long n, Py_ssize_t slot, long long kind)
{
    Py_ssize_t nb = self->nb, i, j, ns = self->ns;
    if (b >= self->head && (self->lo >= nb || self->keys[self->lo] > b - n)) {
        i = self->lo; /* the head window, and no bucket has left it since */
        j = nb;
    } else {
        i = ll_bisect_right(self->keys, b - n, 0, nb);
        j = ll_bisect_right(self->keys, b, 0, nb);
    }
    if (i >= j)
        return Py_NAN;
    double best = self->vals[i * ns + slot];
    for (Py_ssize_t r = i + 1; r < j; r++) {
        double x = self->vals[r * ns + slot];
        if (kind == MIN ? x < best : x > best)
            best = x;
    }
    return (best == Py_HUGE_VAL || best == -Py_HUGE_VAL) ? Py_NAN : best;
}

static PyObject *Ring_extreme(RingCore *self, PyObject *const *args, Py_ssize_t nargs)
{
    long long v[4];
    if (nargs != 4) {
        PyErr_SetString(PyExc_TypeError, "extreme(b, n, slot, kind)");
        return NULL;
    }
    if (read_lls(args, v, 4) < 0)
        return NULL;
    if (v[2] < 0 || v[2] >= self->ns) {
        PyErr_SetString(PyExc_IndexError, "extreme: slot out of range");
        return NULL;
    }
    return PyFloat_FromDouble(ring_extreme(self, v[0], v[1], (Py_ssize_t)v[2], v[3]));
}

static PyObject *Ring_get_keys(RingCore *self, void *closure)
{
    (void)closure;
    return list_of_lls(self->keys, self->nb);
}

static PyObject *Ring_get_vals(RingCore *self, void *closure)
{
    (void)closure;
    PyObject *out = PyList_New(self->nb);
    if (out == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < self->nb; i++) {
        PyObject *row = list_of_doubles(self->vals + i * self->ns, self->ns);
        if (row == NULL) {
            Py_DECREF(out);
            return NULL;
        }
        PyList_SET_ITEM(out, i, row);
    }
    return out;
}

static PyObject *Ring_get_tot(RingCore *self, void *closure)
{
    (void)closure;
    return list_of_doubles(self->tot, self->ns);
}

static PyGetSetDef Ring_getset[] = {
    {"keys", (getter)Ring_get_keys, NULL, "sorted bucket numbers (a copy)", NULL},
    {"vals", (getter)Ring_get_vals, NULL, "slots per bucket (a copy)", NULL},
    {"tot", (getter)Ring_get_tot, NULL, "running totals of the head window (a copy)", NULL},
    {NULL},
};

static PyMemberDef Ring_members[] = {
    {"head", T_LONGLONG, offsetof(RingCore, head), READONLY, "newest bucket the window advanced to"},
    {"lo", T_PYSSIZET, offsetof(RingCore, lo), READONLY, "index of the oldest bucket in the window"},
    {NULL},
};

static PyMethodDef Ring_methods[] = {
    {"fold", (PyCFunction)(void (*)(void))Ring_fold, METH_FASTCALL,
     "fold(b, n, prune, template, spec, *values): fold one event into bucket b."},
    {"add", (PyCFunction)(void (*)(void))Ring_add, METH_FASTCALL,
     "add(b, n, prune, template, ops): fold [(slot, kind, value)] into bucket b."},
    {"window", (PyCFunction)(void (*)(void))Ring_window, METH_FASTCALL,
     "window(b, n, prune): the totals of the window ending at b."},
    {"totals", (PyCFunction)(void (*)(void))Ring_totals, METH_FASTCALL,
     "totals(b, n, prune): the sums of the window ending at b (advancing to b after head)."},
    {"extreme", (PyCFunction)(void (*)(void))Ring_extreme, METH_FASTCALL,
     "extreme(b, n, slot, kind): min or max of slot over the window ending at b."},
    {"expire_all", (PyCFunction)(void (*)(void))Ring_expire_all, METH_FASTCALL,
     "expire_all(b, prune): advance to b when every kept bucket is outside its window."},
    {"_advance", (PyCFunction)(void (*)(void))Ring_advance, METH_FASTCALL,
     "_advance(b, n, prune): move the window to end at b."},
    {NULL},
};

static PyTypeObject RingCoreType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "riskline.features._native.RingCore",
    .tp_basicsize = sizeof(RingCore),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_doc = "A bucketed sliding window stored flat (numbers only: no collector tracking).",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Ring_init,
    .tp_dealloc = (destructor)Ring_dealloc,
    .tp_members = Ring_members,
    .tp_getset = Ring_getset,
    .tp_methods = Ring_methods,
};

/* ---- reads -------------------------------------------------------------------------------- */

/* The read ops of riskline.features.readers, run in C. Each has the same arithmetic as the
 * Python expression readers.render gives it, in doubles (the Python floats). */
enum { R_TOT, R_MEAN, R_RATIO, R_DCOUNT, R_EXTREME, R_LEN, R_LIFE, R_LMEAN, R_SINCE_FIRST,
       R_SINCE_LAST, R_DECAYED, R_BOUNDED };

#define MAX_GROUPS 64
#define MAX_READS 512

static long long floordiv(long long a, long long b)
{
    long long q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

static int list_double(PyObject *list, Py_ssize_t i, double *out)
{
    if (!PyList_Check(list) || i < 0 || i >= PyList_GET_SIZE(list)) {
        PyErr_SetString(PyExc_IndexError, "read_kind: slot out of range");
        return -1;
    }
    return as_double(PyList_GET_ITEM(list, i), out);
}




/* Float objects for the values reads give most often: whole numbers 0..255 and NaN. */
#define SMALL_FLOATS 256
static PyObject *small_floats[SMALL_FLOATS];
static PyObject *nan_float;

static PyObject *float_of(double v)
{
    if (v != v) {
        Py_INCREF(nan_float);
        return nan_float;
    }
    if (v >= 0.0 && v < SMALL_FLOATS && !signbit(v)) {
        int i = (int)v;
        if ((double)i == v) {
            Py_INCREF(small_floats[i]);
            return small_floats[i];
        }
    }
    return PyFloat_FromDouble(v);
}

typedef struct {
    int code, post;
    long long a, b, c, d;
    double sc, dflt;
} ReadOpC;

/* ReadSpec(names, ops, groups): the read ops of one entity kind, parsed once. */
typedef struct {
    PyObject_HEAD
    PyObject *names; /* tuple of feature names, in op order */
    Py_ssize_t nops, ng;
    ReadOpC *ops;
    long long *res, *ns;
} ReadSpec;

static void ReadSpec_dealloc(ReadSpec *self)
{
    Py_XDECREF(self->names);
    PyMem_Free(self->ops);
    PyMem_Free(self->res);
    PyMem_Free(self->ns);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int ReadSpec_init(ReadSpec *self, PyObject *args, PyObject *kwds)
{
    PyObject *names, *ops, *groups;
    if (kwds != NULL && PyDict_GET_SIZE(kwds)) {
        PyErr_SetString(PyExc_TypeError, "ReadSpec takes no keyword arguments");
        return -1;
    }
    if (!PyArg_ParseTuple(args, "O!O!O!", &PyTuple_Type, &names, &PyTuple_Type, &ops,
                          &PyTuple_Type, &groups))
        return -1;
    Py_ssize_t nops = PyTuple_GET_SIZE(ops), ng = PyTuple_GET_SIZE(groups);
    if (PyTuple_GET_SIZE(names) != nops || nops > MAX_READS || ng > MAX_GROUPS) {
        PyErr_SetString(PyExc_ValueError, "ReadSpec: one name per op, at most 512 ops, 64 rings");
        return -1;
    }
    ReadOpC *cops = PyMem_Calloc(nops ? nops : 1, sizeof(ReadOpC));
    long long *res = PyMem_Calloc(ng ? ng : 1, sizeof(long long));
    long long *ns = PyMem_Calloc(ng ? ng : 1, sizeof(long long));
    if (cops == NULL || res == NULL || ns == NULL) {
        PyMem_Free(cops);
        PyMem_Free(res);
        PyMem_Free(ns);
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t k = 0; k < nops; k++) {
        PyObject *op = PyTuple_GET_ITEM(ops, k);
        if (!PyTuple_Check(op) || PyTuple_GET_SIZE(op) != 8) {
            PyErr_SetString(PyExc_ValueError, "ReadSpec: each op is (code, a, b, c, d, scale, post, default)");
            goto fail;
        }
        ReadOpC *o = &cops[k];
        o->code = (int)PyLong_AsLong(PyTuple_GET_ITEM(op, 0));
        o->a = PyLong_AsLongLong(PyTuple_GET_ITEM(op, 1));
        o->b = PyLong_AsLongLong(PyTuple_GET_ITEM(op, 2));
        o->c = PyLong_AsLongLong(PyTuple_GET_ITEM(op, 3));
        o->d = PyLong_AsLongLong(PyTuple_GET_ITEM(op, 4));
        o->sc = PyFloat_AsDouble(PyTuple_GET_ITEM(op, 5));
        o->post = (int)PyLong_AsLong(PyTuple_GET_ITEM(op, 6));
        o->dflt = PyFloat_AsDouble(PyTuple_GET_ITEM(op, 7));
        if (PyErr_Occurred())
            goto fail;
        int ring = o->code == R_TOT || o->code == R_MEAN || o->code == R_EXTREME;
        if (o->code < R_TOT || o->code > R_BOUNDED || (ring && (o->a < 0 || o->a >= ng))
            || (o->code == R_DCOUNT && (o->b < 0 || o->b >= ng))
            || (o->code == R_RATIO && (o->a < 0 || o->b < 0 || o->a >= k || o->b >= k))
            || ((o->code == R_SINCE_FIRST || o->code == R_SINCE_LAST || o->code == R_DECAYED)
                && o->b <= 0)) {
            PyErr_Format(PyExc_ValueError, "ReadSpec: op %zd is not valid", k);
            goto fail;
        }
    }
    for (Py_ssize_t g = 0; g < ng; g++) {
        PyObject *grp = PyTuple_GET_ITEM(groups, g);
        if (!PyTuple_Check(grp) || PyTuple_GET_SIZE(grp) != 2) {
            PyErr_SetString(PyExc_ValueError, "ReadSpec: each ring is (resolution, buckets)");
            goto fail;
        }
        res[g] = PyLong_AsLongLong(PyTuple_GET_ITEM(grp, 0));
        ns[g] = PyLong_AsLongLong(PyTuple_GET_ITEM(grp, 1));
        if (PyErr_Occurred())
            goto fail;
        if (res[g] <= 0)
            res[g] = 1;
    }
    Py_INCREF(names);
    Py_XSETREF(self->names, names);
    PyMem_Free(self->ops);
    PyMem_Free(self->res);
    PyMem_Free(self->ns);
    self->ops = cops;
    self->res = res;
    self->ns = ns;
    self->nops = nops;
    self->ng = ng;
    return 0;
fail:
    PyMem_Free(cops);
    PyMem_Free(res);
    PyMem_Free(ns);
    return -1;
}

static PyTypeObject ReadSpecType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "riskline.features._native.ReadSpec",
    .tp_basicsize = sizeof(ReadSpec),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "ReadSpec(names, ops, groups): the read ops of one entity kind, parsed once.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)ReadSpec_init,
    .tp_dealloc = (destructor)ReadSpec_dealloc,
};

/* read_kind(out, spec, t, hz, L, S, R): every feature of one entity into out.
 * spec = (names, ops, groups): names and ops in dependency order, groups the (resolution,
 * buckets) of each ring. */
static PyObject *native_read_kind(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    (void)module;
    if (nargs != 7) {
        PyErr_SetString(PyExc_TypeError, "read_kind(out, spec, t, hz, L, S, R)");
        return NULL;
    }
    PyObject *out = args[0], *L = args[4], *S = args[5], *R = args[6];
    long long t = PyLong_AsLongLong(args[2]);
    long long hz = PyLong_AsLongLong(args[3]);
    if (PyErr_Occurred())
        return NULL;
    if (!PyDict_Check(out) || !PyObject_TypeCheck(args[1], &ReadSpecType) || !PyList_Check(L)
        || !PyList_Check(S) || !PyList_Check(R)) {
        PyErr_SetString(PyExc_TypeError, "read_kind: out is a dict, spec a ReadSpec, "
                                         "L, S and R lists");
        return NULL;
    }
    ReadSpec *spec = (ReadSpec *)args[1];
    Py_ssize_t nops = spec->nops, ng = spec->ng;
    if (PyList_GET_SIZE(R) < ng) {
        PyErr_SetString(PyExc_ValueError, "read_kind: spec does not fit this state");
        return NULL;
    }
    double vals[MAX_READS];
    const double *tp[MAX_GROUPS];
    Py_ssize_t tn[MAX_GROUPS];
    char got[MAX_GROUPS] = {0};
    double *owned[MAX_GROUPS] = {NULL};
    long long bs[MAX_GROUPS], prunes[MAX_GROUPS];
    const long long *ns = spec->ns;
    for (Py_ssize_t g = 0; g < ng; g++) {
        bs[g] = floordiv(t, spec->res[g]);
        prunes[g] = floordiv(hz, spec->res[g]) - ns[g];
    }
    PyObject *result = NULL;
    for (Py_ssize_t k = 0; k < nops; k++) {
        const ReadOpC *op = &spec->ops[k];
        int code = op->code, post = op->post;
        long long a = op->a, b = op->b, c = op->c, d = op->d;
        double sc = op->sc, dflt = op->dflt;
        double v = 0.0, x, y;
        const double *T = NULL; /* NULL: no ring, all zeros */
        /* ReadSpec_init checked every ring and ratio index against the spec; only slots and
         * sets depend on the state read */
        if (code == R_TOT || code == R_MEAN) {
            if (!got[a]) {
                PyObject *r = PyList_GET_ITEM(R, a);
                tp[a] = NULL;
                tn[a] = 0;
                if (r != Py_None && PyObject_TypeCheck(r, &RingCoreType)) {
                    RingCore *ring = (RingCore *)r;
                    if (bs[a] < ring->head
                        && (owned[a] = PyMem_Calloc(ring->ns ? ring->ns : 1, sizeof(double))) == NULL) {
                        PyErr_NoMemory();
                        goto done;
                    }
                    tp[a] = ring_totals_at(ring, bs[a], ns[a], prunes[a], owned[a]);
                    tn[a] = ring->ns;
                } else if (r != Py_None) { /* a ring on the Python core */
                    PyObject *lst = PyObject_CallMethod(r, "window", "LLL", bs[a], ns[a], prunes[a]);
                    if (lst == NULL)
                        goto done;
                    Py_ssize_t m = PyList_Check(lst) ? PyList_GET_SIZE(lst) : -1;
                    owned[a] = m < 0 ? NULL : PyMem_Calloc(m ? m : 1, sizeof(double));
                    int rc = owned[a] == NULL ? -1 : doubles_of(lst, owned[a], m, "totals");
                    Py_DECREF(lst);
                    if (rc < 0) {
                        if (!PyErr_Occurred())
                            PyErr_SetString(PyExc_TypeError, "window must return a list");
                        goto done;
                    }
                    tp[a] = owned[a];
                    tn[a] = m;
                }
                got[a] = 1;
            }
            T = tp[a];
            if (T != NULL && (b < 0 || b >= tn[a] || (code == R_MEAN && (c < 0 || c >= tn[a])))) {
                PyErr_SetString(PyExc_IndexError, "read_kind: slot out of range");
                goto done;
            }
        }
        switch (code) {
        case R_TOT:
            v = T == NULL ? 0.0 : c ? T[b] / sc : T[b];
            break;
        case R_MEAN:
            v = T == NULL ? Py_NAN : T[c] != 0.0 ? T[b] / T[c] / sc : Py_NAN;
            break;
        case R_RATIO:
            v = vals[b] != 0.0 ? vals[a] / vals[b] : Py_NAN;
            break;
        case R_DCOUNT: {
            if (a < 0 || a >= PyList_GET_SIZE(S)) {
                PyErr_SetString(PyExc_IndexError, "read_kind: set out of range");
                goto done;
            }
            PyObject *set = PyList_GET_ITEM(S, a);
            if (set == Py_None) {
                v = 0.0;
                break;
            }
            PyObject *bo = PyLong_FromLongLong(bs[b]);
            if (bo == NULL)
                goto done;
            PyObject *cnt = PyObject_TypeCheck(set, &DistinctCoreType)
                                ? Distinct_fcount((DistinctCore *)set, bo)
                                : PyObject_CallMethod(set, "fcount", "O", bo);
            Py_DECREF(bo);
            if (cnt == NULL)
                goto done;
            int rc = as_double(cnt, &v);
            Py_DECREF(cnt);
            if (rc < 0)
                goto done;
            break;
        }
        case R_EXTREME: {
            PyObject *r = PyList_GET_ITEM(R, a);
            if (r == Py_None) {
                v = Py_NAN;
                break;
            }
            if (PyObject_TypeCheck(r, &RingCoreType)) {
                if (c < 0 || c >= ((RingCore *)r)->ns) {
                    PyErr_SetString(PyExc_IndexError, "read_kind: slot out of range");
                    goto done;
                }
                x = ring_extreme((RingCore *)r, bs[a], b, (Py_ssize_t)c, d);
            } else {
                PyObject *e = PyObject_CallMethod(r, "extreme", "LLLL", bs[a], b, c, d);
                if (e == NULL)
                    goto done;
                int rc = as_double(e, &x);
                Py_DECREF(e);
                if (rc < 0)
                    goto done;
            }
            v = x / sc;
            break;
        }
        case R_LEN: {
            if (a < 0 || a >= PyList_GET_SIZE(S)) {
                PyErr_SetString(PyExc_IndexError, "read_kind: set out of range");
                goto done;
            }
            PyObject *set = PyList_GET_ITEM(S, a);
            if (set == Py_None) {
                v = 0.0;
                break;
            }
            Py_ssize_t len = PyObject_Length(set);
            if (len < 0)
                goto done;
            v = (double)len;
            break;
        }
        case R_LIFE:
            if (list_double(L, a, &x) < 0)
                goto done;
            v = c ? x / sc : x;
            break;
        case R_LMEAN:
            if (list_double(L, a, &x) < 0 || list_double(L, b, &y) < 0)
                goto done;
            v = y != 0.0 ? x / y / sc : Py_NAN;
            break;
        case R_SINCE_FIRST:
        case R_SINCE_LAST:
            if (list_double(L, a, &x) < 0)
                goto done;
            if (code == R_SINCE_FIRST ? x < Py_HUGE_VAL : x > -Py_HUGE_VAL) {
                double since = (double)t - x;
                v = (since > 0.0 ? since : 0.0) / (double)b;
            } else {
                v = Py_NAN;
            }
            break;
        case R_DECAYED:
            if (list_double(L, a, &x) < 0 || list_double(L, a + 1, &y) < 0)
                goto done;
            if (y == -Py_HUGE_VAL)
                v = 0.0;
            else
                v = (double)t > y ? x * pow(2.0, (y - (double)t) / (double)b) : x;
            v = v / sc;
            break;
        case R_BOUNDED:
            if (list_double(L, a, &x) < 0)
                goto done;
            v = (-Py_HUGE_VAL < x && x < Py_HUGE_VAL) ? x / sc : Py_NAN;
            break;
        default:
            PyErr_Format(PyExc_ValueError, "read_kind: unknown op %d", code);
            goto done;
        }
        if (post == 1)
            v = v > 0.0 ? 1.0 : 0.0;
        else if (post == 2 && v != v)
            v = dflt;
        vals[k] = v;
        PyObject *fv = float_of(v);
        if (fv == NULL)
            goto done;
        int rc = PyDict_SetItem(out, PyTuple_GET_ITEM(spec->names, k), fv);
        Py_DECREF(fv);
        if (rc < 0)
            goto done;
    }
    result = Py_None;
    Py_INCREF(result);
done:
    for (Py_ssize_t g = 0; g < ng; g++)
        PyMem_Free(owned[g]);
    return result;
}

/* ---- module ------------------------------------------------------------------------------- */

/* new_out(n): an empty dict sized for n features (no resizing while a read fills it). */
static PyObject *native_new_out(PyObject *module, PyObject *arg)
{
    (void)module;
    Py_ssize_t n = PyLong_AsSsize_t(arg);
    if (n == -1 && PyErr_Occurred())
        return NULL;
    return _PyDict_NewPresized(n < 0 ? 0 : n);
}

static PyMethodDef native_functions[] = {
    {"new_out", native_new_out, METH_O, "new_out(n): an empty dict sized for n features."},
    {"read_kind", (PyCFunction)(void (*)(void))native_read_kind, METH_FASTCALL,
     "read_kind(out, spec, t, hz, L, S, R): every feature of one entity into out (spec: ReadSpec)."},
    {"untrack_state", native_untrack_state, METH_O,
     "untrack_state(st): leave an entity state and its lists out of the cyclic collector."},
    {NULL},
};

static struct PyModuleDef native_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "riskline.features._native",
    .m_doc = "Compiled hot paths of riskline.features.windows.",
    .m_size = -1,
    .m_methods = native_functions,
};

PyMODINIT_FUNC PyInit__native(void)
{
    if (PyType_Ready(&RingCoreType) < 0 || PyType_Ready(&DistinctCoreType) < 0
        || PyType_Ready(&ReadSpecType) < 0)
        return NULL;
    for (int i = 0; i < SMALL_FLOATS; i++)
        if ((small_floats[i] = PyFloat_FromDouble((double)i)) == NULL)
            return NULL;
    if ((nan_float = PyFloat_FromDouble(Py_NAN)) == NULL)
        return NULL;
    s_add = PyUnicode_InternFromString("add");
    s_shrink = PyUnicode_InternFromString("shrink");
    s_count = PyUnicode_InternFromString("count");
    if (!s_add || !s_shrink || !s_count)
        return NULL;
    PyObject *m = PyModule_Create(&native_module);
    if (m == NULL)
        return NULL;
    if (PyModule_AddStringConstant(m, "SOURCE", RISKLINE_NATIVE_SOURCE) < 0
        || PyModule_AddObjectRef(m, "RingCore", (PyObject *)&RingCoreType) < 0
        || PyModule_AddObjectRef(m, "DistinctCore", (PyObject *)&DistinctCoreType) < 0
        || PyModule_AddObjectRef(m, "ReadSpec", (PyObject *)&ReadSpecType) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
