/* Community grid maps (S2a): Leaflet without tiles, the GeoJSON layers are the map. */
(function () {
  "use strict";
  function json(id) { var el = document.getElementById(id); return el ? JSON.parse(el.textContent) : null; }
  function blankMap(el) {
    var map = L.map(el, { zoomSnap: 0.25, attributionControl: false });
    map.setView([45.75, 126.63], 15);
    return map;
  }
  function fit(map, layers) {
    var group = L.featureGroup(layers.filter(Boolean));
    if (group.getLayers().length) { map.fitBounds(group.getBounds(), { padding: [16, 16] }); }
  }
  function label(layer, text) { layer.bindTooltip(text, { permanent: true, direction: "center", className: "grid-label" }); }

  /* The community page: boundary, grids, problems (red), drawing and editing with Leaflet-Geoman. */
  function communityMap() {
    var el = document.getElementById("community-map");
    if (!el) { return; }
    var data = json("grid-layers");
    var map = blankMap(el);
    window.gridMap = map;
    // The boundary is snappable (a new grid's outer vertices land exactly on it) but never edited here.
    var boundary = data.boundary ? L.geoJSON(data.boundary, { style: { color: "#1f3b70", weight: 3, fill: false, dashArray: "6 4" }, interactive: false }).addTo(map) : null;
    var gridLayers = L.geoJSON(data.grids, {
      style: { color: "#2f6fb3", weight: 2, fillColor: "#8fb8e8", fillOpacity: 0.35 },
      onEachFeature: function (f, layer) { label(layer, f.properties.code + " " + f.properties.name); layer.feature = f; }
    }).addTo(map);
    var problems = L.geoJSON({ type: "FeatureCollection", features: data.problems.map(function (p) {
      return { type: "Feature", geometry: p.geometry, properties: p };
    }) }, { style: { color: "#c62828", weight: 2, fillColor: "#ef5350", fillOpacity: 0.6 }, pmIgnore: true,
      interactive: false }).addTo(map);  // listed with their messages under the map
    fit(map, [boundary, gridLayers, problems]);
    var form = document.getElementById("grid-save-form");
    if (!form || !map.pm) { return; }
    var geometryField = form.querySelector("[name=geometry]");
    var gridField = form.querySelector("[name=grid]");
    var versionField = form.querySelector("[name=version]");
    function take(layer) { geometryField.value = JSON.stringify(layer.toGeoJSON().geometry); form.dataset.ready = "1"; }
    map.pm.setLang("zh");
    map.pm.addControls({ position: "topleft", drawMarker: false, drawCircleMarker: false, drawPolyline: false,
      drawRectangle: true, drawCircle: false, drawText: false, cutPolygon: false, rotateMode: false,
      dragMode: false, removalMode: false, editMode: true });
    map.pm.setGlobalOptions({ snappable: true, snapDistance: 15, allowSelfIntersection: false });
    map.on("pm:globaleditmodetoggled", function () {
      if (boundary) { boundary.eachLayer(function (l) { if (l.pm) { l.pm.disable(); } }); }
    });
    map.on("pm:create", function (e) {
      take(e.layer);
      gridField.value = ""; versionField.value = "";
      e.layer.on("pm:edit", function () { take(e.layer); });
      form.querySelector("[name=code]").focus();
    });
    gridLayers.eachLayer(function (layer) {
      layer.on("pm:edit", function () {
        var p = layer.feature.properties;
        take(layer);
        gridField.value = p.id; versionField.value = p.version;
        form.querySelector("[name=code]").value = p.code;
        form.querySelector("[name=name]").value = p.name;
      });
    });
  }

  /* A read-only map of one grid (public page, grid page, case page), optionally with a point. */
  function staticMaps() {
    document.querySelectorAll("[data-grid-feature]").forEach(function (el) {
      var feature = json(el.dataset.gridFeature);
      var map = blankMap(el);
      var layers = [];
      if (feature) {
        var layer = L.geoJSON(feature, { style: { color: "#2f6fb3", weight: 2, fillColor: "#8fb8e8", fillOpacity: 0.35 } }).addTo(map);
        layers.push(layer);
      }
      var point = el.dataset.point ? json(el.dataset.point) : null;
      if (point) { layers.push(L.circleMarker([point[1], point[0]], { radius: 7, color: "#c62828" }).addTo(map)); }
      fit(map, layers);
    });
  }

  /* The public report form: click the map to place the issue (fills lon/lat). */
  function pickMap() {
    var el = document.getElementById("pick-map");
    if (!el) { return; }
    var layer = json("pick-layer");
    var map = blankMap(el);
    window.pickMap = map;
    var grids = L.geoJSON(layer, { style: { color: "#2f6fb3", weight: 1, fillOpacity: 0.15 },
      onEachFeature: function (f, l) { label(l, f.properties.name); } }).addTo(map);
    fit(map, [grids]);
    var marker = null;
    function place(latlng) {
      document.getElementById("id_lon").value = latlng.lng.toFixed(7);
      document.getElementById("id_lat").value = latlng.lat.toFixed(7);
      if (marker) { marker.setLatLng(latlng); } else { marker = L.marker(latlng).addTo(map); }
    }
    map.on("click", function (e) { place(e.latlng); });
    grids.on("click", function (e) { place(e.latlng); });
    var locate = document.getElementById("use-location");
    if (locate && navigator.geolocation) {
      locate.addEventListener("click", function () {
        navigator.geolocation.getCurrentPosition(function (pos) {
          var ll = L.latLng(pos.coords.latitude, pos.coords.longitude); place(ll); map.setView(ll, 17);
        });
      });
    }
  }

  /* Patrol buttons: add the phone's position when it gives one (S2a-二(六)); submit anyway if not. */
  function patrolForms() {
    document.querySelectorAll("form[data-geolocate]").forEach(function (form) {
      form.addEventListener("submit", function (e) {
        if (form.dataset.located || !navigator.geolocation) { return; }
        e.preventDefault();
        var done = function () { form.dataset.located = "1"; form.submit(); };
        navigator.geolocation.getCurrentPosition(function (pos) {
          form.querySelector("[name=lon]").value = pos.coords.longitude;
          form.querySelector("[name=lat]").value = pos.coords.latitude;
          done();
        }, done, { timeout: 8000, maximumAge: 60000 });
      });
    });
  }

  /* Dashboard: grids coloured by a figure (closure, satisfaction, patrol compliance). */
  function dashboardMap() {
    var el = document.getElementById("dashboard-map");
    if (!el) { return; }
    var layer = json("dash-layer"), boundaries = json("dash-boundaries"), select = document.getElementById("dash-metric");
    var map = blankMap(el);
    var b = L.geoJSON({ type: "GeometryCollection", geometries: boundaries }, { style: { color: "#1f3b70", weight: 2, fill: false } }).addTo(map);
    function colour(v) {
      if (v === null || v === undefined) { return "#bdbdbd"; }
      return v >= 0.9 ? "#2e7d32" : v >= 0.75 ? "#9ccc65" : v >= 0.6 ? "#ffca28" : v >= 0.4 ? "#fb8c00" : "#c62828";
    }
    var grids = L.geoJSON(layer, { onEachFeature: function (f, l) {
      var p = f.properties;
      l.bindTooltip(p.code + " " + p.name, { className: "grid-label" });
      l.bindPopup("<strong>" + p.code + " " + p.name + "</strong><br>受理 " + p.received + "，办结 " + p.resolved +
        "<br>办结率 " + fmt(p.closure_rate) + "，按时率 " + fmt(p.on_time_rate) +
        "<br>满意度 " + (p.satisfaction === null ? "—" : p.satisfaction) + "，巡查达标率 " + fmt(p.patrol_rate));
    } }).addTo(map);
    function fmt(v) { return v === null || v === undefined ? "—" : Math.round(v * 100) + "%"; }
    function paint() {
      var m = select.value;
      grids.setStyle(function (f) {
        var v = f.properties[m];
        if (m === "satisfaction" && v !== null) { v = (v - 1) / 4; }
        return { color: "#37474f", weight: 1, fillColor: colour(v), fillOpacity: 0.7 };
      });
    }
    select.addEventListener("change", paint);
    paint();
    fit(map, [b, grids]);
    var chartEl = document.getElementById("dash-chart");
    if (chartEl && window.echarts) {
      var rows = json("dash-chart-data");
      var chart = echarts.init(chartEl);
      chart.setOption({
        tooltip: { trigger: "axis" }, legend: { data: ["办结率", "按时率", "巡查达标率"] },
        xAxis: { type: "category", data: rows.map(function (r) { return r.label; }) },
        yAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
        series: [["办结率", "closure_rate"], ["按时率", "on_time_rate"], ["巡查达标率", "patrol_rate"]].map(function (s) {
          return { name: s[0], type: "bar", data: rows.map(function (r) { return r[s[1]] === null ? 0 : Math.round(r[s[1]] * 100); }) };
        })
      });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    communityMap(); staticMaps(); pickMap(); patrolForms(); dashboardMap();
  });
})();
