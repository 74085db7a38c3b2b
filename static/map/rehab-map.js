/* 康复服务看板: the behaviour of the dashboard's maps, loaded once by the browser (and cached) rather
   than sent inside every map's script on every page open (issue 34). Each map's script calls these
   with its data as JSON; nothing here reads data as HTML except where a comment says the markup is
   the dashboard's own (the legend, the button icons). The Python side: rehabdash/maps/controls.py,
   layers.py and mapkit.py, whose classes name the function they call. */
window.rdMap = {
  // _FocusWithoutScroll: focus the map without scrolling the Streamlit page (see mapkit.py)
  focusWithoutScroll: function (box) {
    var focus = box.focus;
    box.focus = function (options) {
        focus.call(box, Object.assign({preventScroll: true}, options || {}));
    };
  },
  // FitButton
  fitButton: function (map, bounds, title, icon, css, refits) {
    var touched = false, fitting = false;
    function fit() {
        fitting = true;
        try { map.fitBounds(bounds, {animate: false}); } finally { fitting = false; }
    }
    var Button = L.Control.extend({
        options: {position: "topleft"},
        onAdd: function () {
            var bar = L.DomUtil.create("div", "leaflet-bar " + css);
            var a = L.DomUtil.create("a", "", bar);
            a.href = "#"; a.role = "button"; a.title = title;
            a.setAttribute("aria-label", title);
            a.innerHTML = icon;
            L.DomEvent.on(a, "click", function (e) {
                L.DomEvent.preventDefault(e); L.DomEvent.stopPropagation(e);
                fit();
            });
            L.DomEvent.disableClickPropagation(bar);
            return bar;
        }
    });
    new Button().addTo(map);
    if (!refits) return;
    // The page sets the frame's height from the window after Leaflet has fitted the
    // scope to the first height: fit again on a resize until the reader has moved the map,
    // or the page has (st_folium's setView to the facility chosen in the list).
    ["mousedown", "wheel", "keydown", "touchstart"].forEach(function (type) {
        map.getContainer().addEventListener(type, function () { touched = true; }, true);
    });
    map.on("movestart zoomstart", function () { if (!fitting) touched = true; });
    function refit() {
        map.invalidateSize({pan: false});
        if (!touched) fit();
    }
    map.on("resize", refit);
    setTimeout(refit, 150);
  },
  // ZoomClasses
  zoomClasses: function (map, steps, bounds, groupTitle) {
    function mark() {  // against the zoom that fits the scope into the frame as it is now
        var start = map.getBoundsZoom(L.latLngBounds(bounds));
        map.getContainer().classList.toggle("rd-zoom-near", map.getZoom() >= start + steps);
    }
    // Declutter: labels in rank order (values, districts, townships), each put below its
    // point, else above, right or left of it, wherever it lies inside the frame and overlaps
    // neither a label already shown nor a district centre's square or a 督办 tag (then,
    // failing that, no label); one that finds no place is hidden at this zoom and comes
    // back once zoomed in.
    var PLACES = ["", "translate(-50%, calc(-100% - 9px))", "translate(12px, -50%)",
                  "translate(calc(-100% - 12px), -50%)"];
    function overlaps(r, boxes) {
        return boxes.some(function (k) {
            return r.left < k.right + 4 && r.right > k.left - 4 &&
                   r.top < k.bottom + 2 && r.bottom > k.top - 2;
        });
    }
    function inside(r) {
        var f = map.getContainer().getBoundingClientRect();
        return r.left >= f.left + 2 && r.right <= f.right - 2 && r.top >= f.top + 2 && r.bottom <= f.bottom - 2;
    }
    // 督办 tags that would cover one another (the urban core at a city's zoom) become one
    // tag counting their items; a click on it zooms to their places, where they stand apart.
    var groups = [];
    function groupTags() {
        var tags = [];
        map.eachLayer(function (l) {
            if (l._icon && l._icon.classList.contains("rd-duban")) tags.push(l);
        });
        tags.forEach(function (t) {
            var span = t._icon.firstElementChild;
            if (span.dataset.orig === undefined) span.dataset.orig = span.innerHTML;
            span.innerHTML = span.dataset.orig;
            span.removeAttribute("title");
            span.style.transform = "";
            t._icon.classList.remove("rd-duban-grouped", "rd-duban-folded");
            t._icon.removeAttribute("data-group");
            if (t._rdTip) { t.bindTooltip(t._rdTip); t._rdTip = null; }
            if (t._icon.dataset.name !== undefined) {
                t._icon.setAttribute("aria-label", t._icon.dataset.name);
                delete t._icon.dataset.name;
            }
        });
        var rects = tags.map(function (t) { return t._icon.firstElementChild.getBoundingClientRect(); });
        var root = tags.map(function (_, i) { return i; });
        function find(i) { while (root[i] !== i) i = root[i] = root[root[i]]; return i; }
        for (var i = 0; i < tags.length; i++) for (var j = i + 1; j < tags.length; j++) {
            if (overlaps(rects[i], [rects[j]])) root[find(j)] = find(i);
        }
        var members = {};
        tags.forEach(function (_, i) { (members[find(i)] = members[find(i)] || []).push(i); });
        groups = [];
        Object.values(members).filter(function (m) { return m.length > 1; }).forEach(function (m) {
            var leader = tags[m[0]], lead = leader._icon, span = lead.firstElementChild;
            var items = m.reduce(function (n, i) {
                return n + Number(tags[i]._icon.firstElementChild.dataset.items || 1); }, 0);
            m.slice(1).forEach(function (i) { tags[i]._icon.classList.add("rd-duban-folded"); });
            lead.classList.add("rd-duban-grouped");
            lead.setAttribute("data-group", groups.length);
            // its own tooltip and name would speak of one place of the group
            if (leader.getTooltip()) { leader._rdTip = leader.getTooltip(); leader.unbindTooltip(); }
            var title = groupTitle.replace("{places}", m.length).replace("{count}", items);
            lead.dataset.name = lead.getAttribute("aria-label") || "";
            lead.setAttribute("aria-label", title);
            span.title = title;
            span.textContent = span.firstChild.textContent;
            var count = document.createElement("b");
            count.textContent = String(items);
            span.appendChild(count);
            groups.push(L.latLngBounds(m.map(function (i) { return tags[i].getLatLng(); })));
        });
        // a tag keeps off the centres and stations (their clicks open their cards) and inside
        // the frame: beside its place on the left, the right or below it when above it fails
        var symbols = Array.from(map.getContainer().querySelectorAll(".rd-center, path.rd-station"))
            .map(function (el) { return el.getBoundingClientRect(); });
        var taken = [];
        tags.forEach(function (t) {
            if (t._icon.classList.contains("rd-duban-folded")) return;
            var span = t._icon.firstElementChild;
            span.style.transform = "";
            var base = getComputedStyle(span).transform;
            base = base === "none" ? "" : base;
            for (var k = 0; k < TAG_PLACES.length; k++) {
                span.style.transform = (base + " " + TAG_PLACES[k]).trim() || "none";
                var r = span.getBoundingClientRect();
                if (inside(r) && !overlaps(r, symbols.concat(taken))) break;
                if (k === TAG_PLACES.length - 1) span.style.transform = "";
            }
            taken.push(span.getBoundingClientRect());
        });
    }
    var TAG_PLACES = ["", "translateX(calc(-50% - 14px))", "translateX(calc(50% + 14px))",
                      "translateY(calc(100% + 22px))"];
    map.getContainer().addEventListener("click", function (e) {
        var lead = e.target.closest && e.target.closest(".rd-duban-grouped");
        if (!lead) return;
        e.stopPropagation(); e.preventDefault();  // no popup of the one on top, no rerun
        map.fitBounds(groups[Number(lead.getAttribute("data-group"))].pad(0.6), {animate: false, maxZoom: 16});
    }, true);
    function declutter() {
        groupTags();
        var labels = Array.from(map.getContainer().querySelectorAll(".rd-label"));
        var rank = function (el) {
            return el.classList.contains("rd-label-value") ? 0 :
                   el.classList.contains("rd-label-district") ? 1 : 2;
        };
        labels.sort(function (a, b) { return rank(a) - rank(b); });
        var squares = Array.from(map.getContainer().querySelectorAll(".rd-center, .rd-duban span"))
            .map(function (el) { return el.getBoundingClientRect(); })
            .filter(function (r) { return r.width > 0; });  // a folded tag takes no room
        var kept = [];
        labels.forEach(function (el) {
            el.classList.remove("rd-hidden");
            var span = el.firstElementChild;
            if (!span || getComputedStyle(el).display === "none") return;
            var obstacles = [kept.concat(squares), kept];
            for (var pass = 0; pass < 2; pass++) {
                for (var k = 0; k < PLACES.length; k++) {
                    span.style.transform = PLACES[k];
                    var r = span.getBoundingClientRect();
                    if (inside(r) && !overlaps(r, obstacles[pass])) { kept.push(r); return; }
                }
            }
            span.style.transform = "";
            el.classList.add("rd-hidden");
        });
    }
    map.whenReady(function () { setTimeout(function () { mark(); declutter(); }, 0); });
    // after a pan too: a label hidden at the frame's edge may now have room
    map.on("zoomend moveend resize", function () { mark(); setTimeout(declutter, 0); });
    map.on("rd:spread", declutter);  // the centres moved: labels avoid them where they are now
  },
  // SpreadCentres
  spreadCentres: function (map, gap) {
    var lines = L.layerGroup().addTo(map);
    function cls(layer) {
        var icon = layer.options && layer.options.icon;
        return (icon && icon.options && icon.options.className) || "";
    }
    function markers(pattern) {
        var found = [];
        map.eachLayer(function (l) {
            if (l._icon && l.getLatLng && pattern.test(cls(l))) found.push(l);
        });
        return found;
    }
    function shift(layer, dx, dy) {
        var el = layer._icon;
        if (el._rdBase === undefined) {
            el._rdBase = [parseFloat(el.style.marginLeft) || 0, parseFloat(el.style.marginTop) || 0];
        }
        el.style.marginLeft = (el._rdBase[0] + dx) + "px";
        el.style.marginTop = (el._rdBase[1] + dy) + "px";
    }
    function spread() {
        lines.clearLayers();
        var centres = markers(/(^| )rd-center( |$)/);
        var riders = markers(/(^| )rd-(overdue|selected)( |$)/);
        centres.concat(riders).forEach(function (l) { shift(l, 0, 0); });
        if (centres.length < 2) return;
        var size = Math.max(centres[0]._icon.offsetWidth, 12);
        var least = size + gap;
        var at = centres.map(function (c) { return map.latLngToLayerPoint(c.getLatLng()); });
        var shown = at.slice();
        var group = at.map(function (_, i) { return i; });
        function root(i) { while (group[i] !== i) i = group[i] = group[group[i]]; return i; }
        // Merge any two whose squares overlap where they are shown, set each group on a
        // ring about its members' middle, and again until nothing overlaps (or 6 rounds).
        for (var round = 0; round < 6; round++) {
            var merged = false;
            for (var i = 0; i < at.length; i++) for (var j = i + 1; j < at.length; j++) {
                if (root(i) !== root(j) && shown[i].distanceTo(shown[j]) < least) {
                    group[root(j)] = root(i); merged = true;
                }
            }
            if (!merged) break;
            var members = {};
            at.forEach(function (_, i) { (members[root(i)] = members[root(i)] || []).push(i); });
            Object.keys(members).forEach(function (k) {
                var m = members[k], n = m.length;
                if (n < 2) { shown[m[0]] = at[m[0]]; return; }
                var mid = m.reduce(function (p, i) { return p.add(at[i]); }, L.point(0, 0)).divideBy(n);
                var radius = Math.max(least * 0.75, least / (2 * Math.sin(Math.PI / n)));
                // the ring's places in order of the members' directions from the middle
                m.sort(function (a, b) {
                    return Math.atan2(at[a].y - mid.y, at[a].x - mid.x) - Math.atan2(at[b].y - mid.y, at[b].x - mid.x);
                });
                var start = Math.atan2(at[m[0]].y - mid.y, at[m[0]].x - mid.x);
                m.forEach(function (i, k) {
                    var angle = start + 2 * Math.PI * k / n;
                    shown[i] = mid.add(L.point(Math.cos(angle) * radius, Math.sin(angle) * radius));
                });
            });
        }
        centres.forEach(function (c, i) {
            var dx = Math.round(shown[i].x - at[i].x), dy = Math.round(shown[i].y - at[i].y);
            if (!dx && !dy) return;
            shift(c, dx, dy);
            var here = c.getLatLng();
            riders.forEach(function (r) { if (r.getLatLng().equals(here, 1e-5)) shift(r, dx, dy); });
            L.polyline([here, map.layerPointToLatLng(shown[i])], {
                color: "#1b2a3a", weight: 1.5, opacity: 0.8, interactive: false,
                pane: "rd-centres", className: "rd-leader"}).addTo(lines);
            L.circleMarker(here, {radius: 2.5, color: "#1b2a3a", weight: 1, fillColor: "#1b2a3a",
                fillOpacity: 1, interactive: false, pane: "rd-centres",
                className: "rd-true-place"}).addTo(lines);
        });
        map.fire("rd:spread");
    }
    var timer = null;
    function later() { clearTimeout(timer); timer = setTimeout(spread, 0); }
    map.whenReady(later);
    map.on("zoomend viewreset resize", later);
    map.on("layeradd", function (e) { if (e.layer !== lines && !lines.hasLayer(e.layer)) later(); });
  },
  // LegendControl
  legend: function (map, content, title, position) {
    var Legend = L.Control.extend({
        options: {position: position},
        onAdd: function () {
            var box = L.DomUtil.create("details", "rd-legend-box");
            box.open = true;
            var summary = L.DomUtil.create("summary", "", box);
            summary.textContent = title;
            var body = L.DomUtil.create("div", "", box);
            body.innerHTML = content;
            L.DomEvent.disableClickPropagation(box);
            L.DomEvent.disableScrollPropagation(box);
            return box;
        }
    });
    new Legend().addTo(map);
  },
  // _NamedMarkers: Leaflet makes every marker icon a focusable role="button" without a name; name
  // each after its tooltip (its own, or its layer group's) once the script binding them has run.
  // The name is read as text, never through innerHTML of a live element.
  nameMarkers: function (map) {
    map.on("layeradd", function (event) {
        var layer = event.layer;
        setTimeout(function () {
            if (!layer._icon || layer._icon.getAttribute("aria-label")) return;
            var owners = [layer].concat(Object.values(layer._eventParents || {}));
            var owner = owners.find(function (o) { return o.getTooltip && o.getTooltip(); });
            if (!owner) return;
            var content = owner.getTooltip()._content;
            if (typeof content === "function") content = content(layer);
            var name;
            if (content instanceof HTMLElement) {  // a TextTooltip: its lines' text
                name = Array.from(content.childNodes).map(function (n) { return n.textContent; }).join(" ");
            } else {  // parsed in an inert document: no script runs, no image loads
                var inert = new DOMParser().parseFromString(String(content), "text/html");
                name = inert.body.textContent;
            }
            layer._icon.setAttribute("aria-label", name.replace(/\s+/g, " ").trim());
        }, 0);
    });
  },
  // TextTooltip: the tooltip function of a layer, one text node per line: the hovered feature's
  // ``fields`` (a list gives a line per item), or the ``fixed`` lines of a single marker.
  textTooltip: function (fields, fixed) {
    return function (layer) {
        var props = (layer && layer.feature && layer.feature.properties) || {};
        var lines = fixed || [].concat.apply([], fields.map(function (f) {
            var v = props[f];
            return v === null || v === undefined ? [] : [].concat(v);
        }));
        var box = document.createElement("div");
        lines.forEach(function (line) {
            var row = document.createElement("div");
            row.textContent = String(line);
            box.appendChild(row);
        });
        return box;
    };
  },
  // TextPopup: a bold title, then a numbered list of entries, each its lines (the first as it is,
  // the others in the smaller ``<css>-meta`` style), all text nodes.
  textPopup: function (data) {
    return function () {
        var box = document.createElement("div");
        box.className = data.css;
        var title = document.createElement("div");
        title.style.fontWeight = "700";
        title.textContent = String(data.title);
        box.appendChild(title);
        var list = document.createElement("ol");
        data.entries.forEach(function (lines) {
            var entry = document.createElement("li");
            lines.forEach(function (line, i) {
                var row = document.createElement("div");
                if (i) row.className = data.css + "-meta";
                row.textContent = String(line);
                entry.appendChild(row);
            });
            list.appendChild(entry);
        });
        box.appendChild(list);
        return box;
    };
  }
};
