package report

// flameStyle colours the flame graphs: warm frames by package, the
// culprit violet, search matches pink, the callers above a zoom faded.
const flameStyle = `
figure.flame{margin:10px 0 22px;padding:0}
figure.flame figcaption{font-size:12px;margin-bottom:4px;overflow-wrap:anywhere}
.fbar{font-size:12px;margin:4px 0} .fbar input{font:12px system-ui,sans-serif;width:12em;max-width:50%}
svg.fg{background:#fff;margin:0;cursor:pointer;font:11px ui-monospace,monospace}
svg.f rect{stroke:#fff;stroke-width:1px} svg.f text{fill:#222;pointer-events:none}
.c0 rect{fill:#f7c873}.c1 rect{fill:#f4a261}.c2 rect{fill:#e9c46a}.c3 rect{fill:#f6bd60}
.c4 rect{fill:#f28f3b}.c5 rect{fill:#ffd166}.c6 rect{fill:#eeb25b}.c7 rect{fill:#f9a66c}
svg.f.m rect{fill:#7048e8} svg.f.m text{fill:#fff;font-weight:bold}
svg.f.h rect{fill:#e64980} svg.f.h text{fill:#fff}
svg.f.a{opacity:.55}
.fkey{display:inline-block;width:10px;height:10px;background:#7048e8;vertical-align:middle}
table.groups td{vertical-align:top;font-size:12px} table.groups pre{margin:4px 0;font-size:11px;white-space:pre-wrap;overflow-wrap:anywhere}
`

// flameScript zooms a flame graph to the frame clicked (its callers kept
// above it, full width and faded; "reset zoom" or the root undoes it) and
// highlights the frames whose name matches the search, a regular
// expression or else plain text, saying what share of the profile they
// hold. It reads only the page's own SVG.
const flameScript = `(function(){
function num(f,a){return parseFloat(f.getAttribute(a))}
document.querySelectorAll('figure.flame').forEach(function(fig){
var svg=fig.querySelector('svg.fg');if(!svg)return;
var fr=Array.prototype.slice.call(svg.querySelectorAll('svg.f'));
fr.forEach(function(f){f._x=num(f,'x');f._w=num(f,'width');f._d=Math.round(num(f,'y')/16);f._n=f.querySelector('title').textContent.split('\n')[0]});
var e=1e-3;
function zoom(z){var deep=0;fr.forEach(function(f){
var inside=f._d>=z._d&&f._x>=z._x-e&&f._x+f._w<=z._x+z._w+e;
var above=f._d<z._d&&f._x<=z._x+e&&f._x+f._w>=z._x+z._w-e;
f.classList.toggle('a',above&&z!==fr[0]);
if(inside){f.setAttribute('x',(100*(f._x-z._x)/z._w)+'%');f.setAttribute('width',(100*f._w/z._w)+'%');f.style.display='';deep=Math.max(deep,f._d)}
else if(above){f.setAttribute('x','0%');f.setAttribute('width','100%');f.style.display=''}
else f.style.display='none'});svg.setAttribute('height',(deep+1)*16)}
svg.addEventListener('click',function(ev){var f=ev.target.closest('svg.f');if(f&&f!==svg)zoom(f)});
fig.querySelector('button').addEventListener('click',function(){zoom(fr[0])});
var input=fig.querySelector('input'),out=fig.querySelector('.fmatch');
input.addEventListener('input',function(){
var q=input.value,re=null;if(q){try{re=new RegExp(q,'i')}catch(x){re=null}}
var hits=[];fr.forEach(function(f,i){var m=!!q&&i>0&&(re?re.test(f._n):f._n.toLowerCase().indexOf(q.toLowerCase())>=0);f.classList.toggle('h',m);if(m)hits.push(f)});
hits.sort(function(a,b){return a._x-b._x||a._d-b._d});
var sum=0,end=-1;hits.forEach(function(f){if(f._x>=end-e){sum+=f._w;end=f._x+f._w}});
out.textContent=q?(hits.length+' frames, '+sum.toFixed(1)+'% of the profile'):''})
})})();`
